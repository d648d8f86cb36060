using System.Net;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// README "Metrics" and "Configuration": a "Metrics" setting the service cannot use, or a metrics port already taken,
/// stops the built service with one plain line; Metrics:Enabled=false runs the service without a metrics listener.
/// </summary>
public sealed class MetricsConfigurationTests : IDisposable
{
    private const string AdminKey = "metrics-configuration-test-admin-key-0123456789";
    private readonly string _workDir = Directory.CreateTempSubdirectory("ko-metrics-config-").FullName;

    [Theory]
    [InlineData("Metrics__Port", "abc", "Metrics:Port must be a whole number from 0 to 65535.")]
    [InlineData("Metrics__Port", "65536", "Metrics:Port must be a whole number from 0 to 65535.")]
    [InlineData("Metrics__Port", "-1", "Metrics:Port must be a whole number from 0 to 65535.")]
    [InlineData("Metrics__Address", "localhost", "Metrics:Address must be an IP address (e.g. 127.0.0.1, or 0.0.0.0 for every interface).")]
    [InlineData("Metrics__Enabled", "yes", "Metrics:Enabled must be exactly true or false.")]
    [InlineData("Metrics__StoreReadInterval", "00:11:00", "Metrics:StoreReadInterval must be a time span from 00:00:00 to 00:10:00.")]
    public async Task A_metrics_setting_the_service_cannot_use_stops_it_with_one_plain_line(string variable, string value, string expected)
    {
        using var service = new BuiltService(_workDir, new Dictionary<string, string> { ["Auth__BootstrapAdminKey"] = AdminKey, [variable] = value });
        Assert.Equal(1, await service.ExitCodeAsync());
        Assert.Equal(expected, Assert.Single(service.OutputLines(), l => l.Length > 0));
    }

    [Fact]
    public async Task A_metrics_port_already_taken_stops_the_service_with_one_plain_line()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        using var service = new BuiltService(_workDir, new Dictionary<string, string>
        {
            ["Auth__BootstrapAdminKey"] = AdminKey,
            ["Metrics__Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        Assert.Equal(1, await service.ExitCodeAsync());
        var line = Assert.Single(service.OutputLines(), l => l.Length > 0);
        Assert.StartsWith($"Metrics:Port {port} on 127.0.0.1 cannot be used", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_metrics_disabled_the_service_runs_without_a_metrics_listener()
    {
        using var service = new BuiltService(_workDir, new Dictionary<string, string>
        {
            ["Auth__BootstrapAdminKey"] = AdminKey,
            ["Metrics__Enabled"] = "false",
        });
        using var http = new HttpClient { BaseAddress = await service.ListeningAsync() };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/live")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/metrics")).StatusCode);
        Assert.DoesNotContain(service.OutputLines(), l => l.Contains("Metrics for Prometheus at http", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_workDir, recursive: true);
    }
}
