using KetamineOutcomes.Api.Infrastructure;
using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// The command line holds the service's flags, ASP.NET Core's host settings and configuration keys, and nothing else
/// (issue 19, break-it pass): a mistyped flag stops the service with one line naming it and exit code 1, where ASP.NET
/// Core would drop it without a word; <c>--Section:Key value</c> and <c>--Key=value</c> stay configuration.
/// </summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly string _workDir = Directory.CreateTempSubdirectory("ko-command-line-").FullName;
    private readonly Dictionary<string, string> _environment = new() { ["Auth__BootstrapAdminKey"] = "command-line-test-admin-key-0123456789abcdef" };

    [Theory]
    [InlineData(new[] { "--seed-demo2" }, "Unknown flag --seed-demo2.")]
    [InlineData(new[] { "--bakup", "x.db" }, "Unknown flag --bakup.")]
    [InlineData(new[] { "--urls", "http://127.0.0.1:0", "--seed-dmo" }, "Unknown flag --seed-dmo.")]
    [InlineData(new[] { "--seed-demo", "--publicbaseurl=https://a.example" }, "Unknown flag --publicbaseurl.")]
    [InlineData(new[] { "seed-demo" }, "Unexpected argument 'seed-demo'.")]
    [InlineData(new[] { "-seed-demo" }, "Unexpected argument '-seed-demo'.")]
    [InlineData(new[] { "--seed-demo", "true" }, "Unexpected argument 'true'.")]
    public async Task An_unknown_flag_or_stray_argument_stops_the_service_with_one_line_naming_it_and_the_known_flags(string[] arguments, string expected)
    {
        using var service = new BuiltService(_workDir, _environment, arguments);
        Assert.Equal(1, await service.ExitCodeAsync());
        var line = Assert.Single(service.OutputLines(), l => l.Length > 0);
        Assert.StartsWith(expected + " The service's flags are --seed-demo and --backup <file>;", line, StringComparison.Ordinal);
        Assert.Contains("--Section:Key=value", line, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_workDir, "ketamine-outcomes.db")), "nothing starts: no database is created");
    }

    [Theory]
    // Read as configuration, so the setting's own check answers: "--Section:Key value" and "--Section:Key=value" ...
    [InlineData(new[] { "--Research:MinCellSize", "3" }, "Research:MinCellSize must be at least 5")]
    [InlineData(new[] { "--research:mincellsize=3" }, "Research:MinCellSize must be at least 5")]
    // ... and "--Key=value" / "--Key value" with the capital of the README's table.
    [InlineData(new[] { "--PublicBaseUrl=ftp://outcomes.example" }, "PublicBaseUrl")]
    [InlineData(new[] { "--Seed:Demo", "maybe", "--urls", "http://127.0.0.1:0" }, "Seed:Demo must be true or false")]
    public async Task Configuration_keys_on_the_command_line_are_read_as_settings_not_refused_as_flags(string[] arguments, string expected)
    {
        using var service = new BuiltService(_workDir, _environment, arguments);
        Assert.Equal(1, await service.ExitCodeAsync());
        var line = Assert.Single(service.OutputLines(), l => l.Length > 0);
        Assert.StartsWith(expected, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Flags_host_settings_and_configuration_keys_together_start_the_service_with_each_applied()
    {
        using var service = new BuiltService(_workDir, _environment,
            ["--seed-demo", "--environment", "Production", "--Storage:WriteTimeout", "00:00:07", "--PublicBaseUrl=https://cli.example", "--urls", "http://127.0.0.1:0"]);
        var listening = await service.ListeningAsync();
        using var http = new HttpClient { BaseAddress = listening };
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
        Assert.Contains(service.OutputLines(), l => l.Contains("Demo cohort: 60 patients loaded", StringComparison.Ordinal));
        // The FHIR capability statement's base is PublicBaseUrl as given on the command line.
        var metadata = await http.GetStringAsync("/fhir/r4/metadata");
        Assert.Contains("https://cli.example/fhir/r4", metadata, StringComparison.Ordinal);
    }

    // Pure rule, one command line per case (arguments separated by spaces).
    [Theory]
    [InlineData("")]
    [InlineData("--seed-demo")]
    [InlineData("--backup /tmp/x.db")]
    [InlineData("--backup")] // its missing value is --backup's own refusal
    [InlineData("--urls http://127.0.0.1:0 --contentRoot /tmp --applicationName=X --http_ports 8080")]
    [InlineData("--URLS=http://127.0.0.1:1")]
    [InlineData("--environment=Development --Logging:LogLevel:Default Debug --AllowedHosts=*")]
    [InlineData("--Section:Key --looks-like-a-flag-but-is-the-value")]
    public void Accepted_command_lines(string line) => Assert.Null(CommandLine.Problem(Split(line)));

    [Theory]
    [InlineData("--", "Unexpected argument '--'.")]
    [InlineData("--=x", "Unexpected argument '--=x'.")]
    [InlineData("/Storage:Provider sqlite", "Unexpected argument '/Storage:Provider'.")]
    [InlineData("--backup a.db b.db", "Unexpected argument 'b.db'.")]
    [InlineData("--seed_demo", "Unknown flag --seed_demo.")]
    [InlineData("--urls http://127.0.0.1:0 --URLS=http://127.0.0.1:1", "--URLS is given twice; give it once.")]
    [InlineData("--Storage:Provider sqlite --Storage__Provider=postgres", "--Storage__Provider is given twice; give it once.")]
    [InlineData("--seed-demo --seed-demo", "--seed-demo is given twice; give it once.")]
    [InlineData("--urls", "--urls has no value: write --urls <value> or --urls=<value>.")]
    [InlineData("--seed-demo --urls", "--urls has no value")]
    [InlineData("--backup a.db --backup b.db", "--backup is given twice; give one file.")]
    [InlineData("--backup x.db --seed-demo", "--backup <file> runs alone (it copies the store and exits)")]
    [InlineData("--seed-demo --backup x.db", "--backup <file> runs alone")]
    [InlineData("--seed-demo=true", "--seed-demo takes no '=value': write --seed-demo.")]
    [InlineData("--backup=x.db", "--backup takes no '=value': write --backup <file>.")]
    public void Refused_command_lines_name_the_argument(string line, string expected) =>
        Assert.StartsWith(expected, CommandLine.Problem(Split(line)), StringComparison.Ordinal);

    private static string[] Split(string line) => line.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_workDir, recursive: true);
    }
}
