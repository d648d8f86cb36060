using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// The README's first commands as a newcomer types them (issue 19, points 3, 4 and 6): <c>dotnet run</c> in a folder
/// of their own, with <c>--seed-demo</c> anywhere on the line, and what the console then says.
/// </summary>
public sealed class FirstRunTests : IDisposable
{
    private const string AdminKey = "first-run-test-bootstrap-admin-key-0123456789";
    private readonly string _workDir = Directory.CreateTempSubdirectory("ko-first-run-").FullName;
    private readonly Dictionary<string, string> _environment = new() { ["Auth__BootstrapAdminKey"] = AdminKey };

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Seed_demo_before_or_after_urls_loads_the_demo_and_listens_on_the_given_port(bool flagFirst)
    {
        var port = TestPorts.Free();
        string[] urls = ["--urls", $"http://127.0.0.1:{port}"];
        using var service = BuiltService.DotnetRun(_workDir, _environment, flagFirst ? ["--seed-demo", .. urls] : [.. urls, "--seed-demo"]);

        var listening = await service.ListeningAsync();
        Assert.Equal(port, listening.Port);
        using var http = new HttpClient { BaseAddress = listening };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
        Assert.Contains(service.OutputLines(), l => l.Contains("Demo cohort: 60 patients loaded", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Dotnet_run_creates_the_database_in_the_folder_it_was_typed_in_and_the_start_up_line_names_its_absolute_path()
    {
        using var service = BuiltService.DotnetRun(_workDir, _environment, ["--urls", "http://127.0.0.1:0"]);
        await service.ListeningAsync();

        var database = Path.Combine(_workDir, "ketamine-outcomes.db");
        Assert.True(File.Exists(database), $"no database at {database}");
        var store = Assert.Single(service.OutputLines(), l => l.Contains("Store ready:", StringComparison.Ordinal));
        Assert.Contains($"Store ready: sqlite at {database};", store, StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_Development_the_console_is_plain_text_one_line_per_entry_with_one_store_line_and_a_listening_line()
    {
        using var service = new BuiltService(_workDir, new Dictionary<string, string>(_environment) { ["ASPNETCORE_ENVIRONMENT"] = "Development" });
        await service.ListeningAsync();
        await WaitForAsync(service, "Hosting environment: Development");

        var lines = service.OutputLines().Where(l => l.Length > 0).ToArray();
        Assert.DoesNotContain(lines, l => l.TrimStart().StartsWith('{'));
        // The simple formatter on one line: "HH:mm:ss level: Category[id] message".
        Assert.All(lines, l => Assert.Matches(@"^\d\d:\d\d:\d\d (trce|dbug|info|warn|fail|crit): \S+\[\d+\] ", l));
        Assert.Single(lines, l => l.Contains("Now listening on: http://127.0.0.1:", StringComparison.Ordinal));
        // Every migration applied, summarised in one line (DbUp's per-script lines are at Debug).
        var store = Assert.Single(lines, l => l.Contains("migration", StringComparison.OrdinalIgnoreCase));
        Assert.Matches(@"Store ready: sqlite at .+; [1-9]\d* migration\(s\) applied now, schema at \d{4}_", store);
    }

    [Fact]
    public async Task A_second_start_on_the_same_database_says_in_one_line_that_nothing_was_applied()
    {
        var production = new Dictionary<string, string>(_environment) { ["ASPNETCORE_ENVIRONMENT"] = "Production" };
        using (var first = new BuiltService(_workDir, production)) await first.ListeningAsync();
        using var second = new BuiltService(_workDir, production);
        await second.ListeningAsync();

        var lines = second.OutputLines();
        Assert.All(lines.Where(l => l.Length > 0), l => JsonNode.Parse(l)); // JSON lines outside Development
        var store = Assert.Single(lines, l => l.Contains("migration", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("0 migration(s) applied now", store, StringComparison.Ordinal);
    }

    private static async Task WaitForAsync(BuiltService service, string text)
    {
        for (var i = 0; i < 100 && !service.OutputLines().Any(l => l.Contains(text, StringComparison.Ordinal)); i++) await Task.Delay(100);
    }


    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_workDir, recursive: true);
    }
}
