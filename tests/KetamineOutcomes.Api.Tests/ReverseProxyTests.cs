using System.Net;
using Dapper;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// Issue 19 (deployment) and 18 (per-address limits): behind a TLS proxy the client's address comes from
/// X-Forwarded-For — believed only from a configured proxy, so a client connecting directly cannot claim another address.
/// The service listens on 127.0.0.1 (Kestrel); the address the service saw is read from the anonymous refusal's audit row.
/// </summary>
public sealed class ReverseProxyTests
{
    private const string Forwarded = "203.0.113.7";

    public static TheoryData<string?, string?, string> Cases => new()
    {
        { null, null, "127.0.0.1" },                 // nothing configured: the header is ignored
        { "127.0.0.1", null, Forwarded },            // the proxy on this host
        { "127.0.0.2", null, "127.0.0.1" },          // another proxy: this connection's header is ignored
        { null, "127.0.0.0/8", Forwarded },          // a proxy network
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task The_forwarded_client_address_is_believed_only_from_a_configured_proxy(string? proxy, string? network, string seen)
    {
        var settings = new Dictionary<string, string?> { ["Auth:BootstrapAdminKey"] = "test-bootstrap-admin-key-0123456789abcdef" };
        if (proxy is not null) settings["ReverseProxy:KnownProxies:0"] = proxy;
        if (network is not null) settings["ReverseProxy:KnownNetworks:0"] = network;
        using var outcomes = new OutcomesApp(settings);
        using var app = outcomes.WithWebHostBuilder(_ => { });
        app.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        app.StartServer();
        var listening = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        using var client = new HttpClient { BaseAddress = new Uri(listening) };

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/patients/{Guid.NewGuid()}/trends");
        request.Headers.Add("X-Forwarded-For", Forwarded);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);

        await using var c = await outcomes.OpenConnectionAsync();
        Assert.Equal(seen, await c.ExecuteScalarAsync<string>("SELECT client_address FROM audit_events WHERE key_id IS NULL ORDER BY seq DESC LIMIT 1"));
    }

    [Theory]
    [InlineData("nginx.internal", null, "ReverseProxy:KnownProxies:0 must be an IP address")]
    [InlineData(null, "10.0.0.0", "ReverseProxy:KnownNetworks:0 must be a network in CIDR form")]
    [InlineData(null, "10.0.0.0/33", "ReverseProxy:KnownNetworks:0 must be a network in CIDR form")]
    public void A_proxy_setting_that_is_not_an_address_is_refused_naming_it(string? proxy, string? network, string message)
    {
        // Bound with ValidateOnStart: the service does not start with it (the message is its start-up line).
        var options = new KetamineOutcomes.Api.Infrastructure.ReverseProxyOptions
        {
            KnownProxies = proxy is null ? [] : [proxy],
            KnownNetworks = network is null ? [] : [network],
        };
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        Assert.False(System.ComponentModel.DataAnnotations.Validator.TryValidateObject(options, new(options), results, validateAllProperties: true));
        Assert.Equal(message, Assert.Single(results).ErrorMessage![..message.Length]);
    }
}
