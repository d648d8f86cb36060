using System.Net;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// The API's listen address (issue 19, break-it pass): a port another process holds, or an address Kestrel cannot read,
/// stops the built service before anything starts with one plain line naming the address and what to do, exit code 1
/// — not exit 134 and a stack trace.
/// </summary>
public sealed class ListenAddressTests : IDisposable
{
    private readonly string _workDir = Directory.CreateTempSubdirectory("ko-listen-").FullName;
    private readonly Dictionary<string, string> _environment = new() { ["Auth__BootstrapAdminKey"] = "listen-address-test-admin-key-0123456789abc" };

    [Theory]
    [InlineData("http://127.0.0.1:{0}", false)]
    [InlineData("http://localhost:{0}", false)]
    [InlineData("http://*:{0}", false)]
    [InlineData("http://127.0.0.1:{0}", true)] // ASPNETCORE_URLS rather than --urls
    public async Task A_port_another_process_listens_on_stops_the_service_with_one_line_naming_the_address(string template, bool fromEnvironment)
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var url = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, ((IPEndPoint)taken.LocalEndpoint).Port);

        using var service = fromEnvironment
            ? new BuiltService(_workDir, new Dictionary<string, string>(_environment) { ["ASPNETCORE_URLS"] = url }, [])
            : new BuiltService(_workDir, _environment, ["--urls", url]);
        Assert.Equal(1, await service.ExitCodeAsync());
        var line = Assert.Single(service.OutputLines(), l => l.Length > 0);
        Assert.Equal($"Cannot listen on {url}: another process is listening on that port. Stop it, or choose another port with --urls (or ASPNETCORE_URLS).", line);
        Assert.False(File.Exists(Path.Combine(_workDir, "ketamine-outcomes.db")), "nothing starts: no database is created");
    }

    [Theory]
    [InlineData("htp:/bad")]
    [InlineData("127.0.0.1:8080")]
    [InlineData("ftp://127.0.0.1:8080")]
    [InlineData("http://127.0.0.1:99999")]
    [InlineData("http://127.0.0.1:8080/outcomes")]
    [InlineData("http://127.0.0.1:abc")]      // Kestrel would listen on port 80 …
    [InlineData("http://127.0.0.1:")]
    [InlineData("http://127.0.0.1")]
    [InlineData("http://127.0.0.l:8080")]     // … and on every interface for a host that is not an address
    public async Task A_malformed_address_stops_the_service_with_one_line_naming_it(string url)
    {
        using var service = new BuiltService(_workDir, _environment, ["--urls", url]);
        Assert.Equal(1, await service.ExitCodeAsync());
        var line = Assert.Single(service.OutputLines(), l => l.Length > 0);
        Assert.StartsWith($"Cannot listen on '{url}': not an address the service can listen on. Give http:// or https://, a host (an IP address, localhost, or * for every interface) and a port, e.g. --urls http://127.0.0.1:8080", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", line, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_workDir, "ketamine-outcomes.db")), "nothing starts: no database is created");
    }

    [Fact]
    public async Task An_https_address_without_a_certificate_stops_the_service_with_one_line_saying_what_to_configure()
    {
        // HOME is the empty work folder: no development certificate in the user's store, as on a server.
        var environment = new Dictionary<string, string>(_environment) { ["HOME"] = _workDir };
        using var service = new BuiltService(_workDir, environment, ["--urls", "https://127.0.0.1:0"]);
        Assert.Equal(1, await service.ExitCodeAsync());
        Assert.Equal("Cannot listen on https://127.0.0.1:0: HTTPS needs a server certificate and none is configured. Set Kestrel:Certificates:Default:Path "
            + "(and :KeyPath or :Password), or terminate TLS at the reverse proxy (deploy/nginx) and listen on http://127.0.0.1.",
            Assert.Single(service.OutputLines(), l => l.Length > 0));
        Assert.False(File.Exists(Path.Combine(_workDir, "ketamine-outcomes.db")), "nothing starts: no database is created");
    }

    [Fact]
    public async Task Several_addresses_one_of_them_taken_name_the_taken_one()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var takenUrl = $"http://127.0.0.1:{((IPEndPoint)taken.LocalEndpoint).Port}";
        using var service = new BuiltService(_workDir, _environment, ["--urls", $"http://127.0.0.1:0;{takenUrl}"]);
        Assert.Equal(1, await service.ExitCodeAsync());
        Assert.StartsWith($"Cannot listen on {takenUrl}: another process", Assert.Single(service.OutputLines(), l => l.Length > 0), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_workDir, recursive: true);
    }
}
