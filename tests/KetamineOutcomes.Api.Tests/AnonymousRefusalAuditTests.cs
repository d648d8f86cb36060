using System.Net;
using System.Net.Sockets;
using Dapper;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// Issue 18: calls without a valid key cannot flood the audit table. The service listens on 127.0.0.1 (Kestrel), the
/// clients connect from 127.0.0.1 or 127.0.0.2, and the app's clock is a test clock so a window ends without sleeping.
/// </summary>
public sealed class AnonymousRefusalAuditTests : IAsyncLifetime, IDisposable
{
    private const int RowsPerMinute = 20;
    private const string AdminKey = "test-bootstrap-admin-key-0123456789abcdef";
    private readonly OutcomesApp _outcomes;
    private readonly WebApplicationFactory<Program> _app;
    private readonly TestClock _clock = new();
    private readonly string _refused = $"/api/v1/patients/{Guid.NewGuid()}/trends";

    public AnonymousRefusalAuditTests()
    {
        _outcomes = new OutcomesApp(new()
        {
            ["Auth:BootstrapAdminKey"] = AdminKey,
            ["RateLimiting:PermitsPerSecond"] = "1000000",
            ["RateLimiting:Burst"] = "10000000",
            ["Audit:AnonymousRefusalRowsPerMinute"] = RowsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        _app = _outcomes.WithWebHostBuilder(b => b.ConfigureTestServices(s => s.AddSingleton<TimeProvider>(_clock)));
        _app.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
    }

    public Task InitializeAsync()
    {
        _app.StartServer();
        return Task.CompletedTask;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>A client whose connections come from <paramref name="from"/> (any 127.x address is this host's loopback).</summary>
    private HttpClient ClientFrom(string from, string? key = null)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(from), 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        var listening = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        var client = new HttpClient(handler) { BaseAddress = new Uri(listening) };
        if (key is not null) client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    private static async Task RefusedAsync(HttpClient client, string url, int times, HttpStatusCode expected = HttpStatusCode.Unauthorized)
    {
        for (var i = 0; i < times; i++)
        {
            using var response = await client.GetAsync(url);
            Assert.Equal(expected, response.StatusCode);
        }
    }

    private async Task<(string? Address, long Count, string Action, long Status, string Outcome)[]> AnonymousRowsAsync()
    {
        await using var c = await _outcomes.OpenConnectionAsync();
        return (await c.QueryAsync<(string?, long, string, long, string)>(
            "SELECT client_address, COALESCE(count, 1), action, status_code, outcome FROM audit_events WHERE key_id IS NULL ORDER BY seq")).ToArray();
    }

    [Fact]
    public async Task Two_hundred_refusals_from_one_address_in_a_minute_leave_the_quota_of_rows_and_one_aggregated_row_counting_the_rest()
    {
        using var client = ClientFrom("127.0.0.1");
        await RefusedAsync(client, _refused, 200);
        var before = await AnonymousRowsAsync();
        Assert.Equal(RowsPerMinute, before.Length);
        Assert.All(before, r => Assert.Equal(("127.0.0.1", 1L, "GetTrend", 401L, "denied"), r));

        _clock.Advance(TimeSpan.FromMinutes(1)); // the window ends; the flood has stopped
        await Eventually.HoldsAsync(async () => (await AnonymousRowsAsync()).Length == RowsPerMinute + 1, "the aggregated row is written");
        var rows = await AnonymousRowsAsync();
        Assert.Equal(("127.0.0.1", 200L - RowsPerMinute, "AnonymousRefusals", 401L, "denied"), rows[^1]);
        Assert.Equal(200, rows.Sum(r => r.Count));

        // A new window has a new quota.
        await RefusedAsync(client, _refused, 1);
        Assert.Equal(("127.0.0.1", 1L, "GetTrend", 401L, "denied"), (await AnonymousRowsAsync())[^1]);
    }

    [Fact]
    public async Task Another_address_has_its_own_quota_and_a_known_keys_refusals_are_never_capped()
    {
        using var first = ClientFrom("127.0.0.1");
        using var second = ClientFrom("127.0.0.2");
        using var admin = ClientFrom("127.0.0.1", AdminKey);
        await RefusedAsync(first, _refused, RowsPerMinute + 5);
        await RefusedAsync(second, _refused, 3);
        // The admin key may not read patients: each of its refusals is a row with its key, however many.
        await RefusedAsync(admin, _refused, RowsPerMinute + 5, HttpStatusCode.Forbidden);

        var rows = await AnonymousRowsAsync();
        Assert.Equal(RowsPerMinute, rows.Count(r => r.Address == "127.0.0.1"));
        Assert.Equal(3, rows.Count(r => r.Address == "127.0.0.2"));
        await using var c = await _outcomes.OpenConnectionAsync();
        Assert.Equal(RowsPerMinute + 5, await c.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM audit_events WHERE key_id IS NOT NULL AND status_code = 403 AND client_address IS NULL"));
    }

    [Fact]
    public async Task Counted_refusals_still_open_at_shutdown_are_written_as_their_aggregated_row()
    {
        using (var client = ClientFrom("127.0.0.1")) await RefusedAsync(client, _refused, RowsPerMinute + 7);
        await _app.DisposeAsync(); // stops the service; the window has not ended

        var rows = await AnonymousRowsAsync();
        Assert.Equal(RowsPerMinute + 1, rows.Length);
        Assert.Equal(("127.0.0.1", 7L, "AnonymousRefusals", 401L, "denied"), rows[^1]);
    }

    public void Dispose()
    {
        _app.Dispose();
        _outcomes.Dispose();
    }
}
