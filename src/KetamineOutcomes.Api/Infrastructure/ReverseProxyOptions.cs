using System.ComponentModel.DataAnnotations;
using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace KetamineOutcomes.Api.Infrastructure;

/// <summary>
/// "ReverseProxy" section: the TLS-terminating proxies whose <c>X-Forwarded-For</c> / <c>X-Forwarded-Proto</c> are
/// believed. None by default — a client that connects directly cannot claim another address to escape its rate limit
/// or its quota of anonymous-refusal audit rows. Behind a proxy, name it, or every client shares the proxy's address.
/// </summary>
public sealed class ReverseProxyOptions : IValidatableObject
{
    public const string SectionName = "ReverseProxy";

    /// <summary>Proxy addresses, e.g. <c>127.0.0.1</c> for nginx on the same host (<c>ReverseProxy__KnownProxies__0</c>).</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Proxy networks in CIDR form, e.g. <c>10.0.0.0/24</c> for a load balancer's subnet.</summary>
    public List<string> KnownNetworks { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < KnownProxies.Count; i++)
            if (!IPAddress.TryParse(KnownProxies[i], out _))
                yield return new ValidationResult($"ReverseProxy:KnownProxies:{i} must be an IP address, e.g. 127.0.0.1.", [nameof(KnownProxies)]);
        for (var i = 0; i < KnownNetworks.Count; i++)
            if (!System.Net.IPNetwork.TryParse(KnownNetworks[i], out _))
                yield return new ValidationResult($"ReverseProxy:KnownNetworks:{i} must be a network in CIDR form, e.g. 10.0.0.0/24.", [nameof(KnownNetworks)]);
    }
}

internal static class ReverseProxyServiceCollectionExtensions
{
    /// <summary>Believes the forwarded client address and scheme from the configured proxies only (one hop).</summary>
    public static IServiceCollection AddOutcomesReverseProxy(this IServiceCollection services)
    {
        services.AddOptions<ReverseProxyOptions>().BindConfiguration(ReverseProxyOptions.SectionName).ValidateSettings(ReverseProxyOptions.SectionName);
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ReverseProxyOptions>>((o, proxy) =>
        {
            // With no proxy configured no header is read: the middleware treats empty trust lists as "trust everyone".
            var configured = proxy.Value.KnownProxies.Count + proxy.Value.KnownNetworks.Count > 0;
            o.ForwardedHeaders = configured ? ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto : ForwardedHeaders.None;
            o.ForwardLimit = 1;
            // ASP.NET Core trusts loopback by default; here only what is configured.
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var address in proxy.Value.KnownProxies) o.KnownProxies.Add(IPAddress.Parse(address));
            foreach (var network in proxy.Value.KnownNetworks) o.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        });
        return services;
    }
}
