using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// The built service as a deployment runs it: <c>dotnet KetamineOutcomes.Api.dll --urls …</c> started from an unrelated
/// working directory, on a real Kestrel listener on 127.0.0.1, configured by environment variables only.
/// </summary>
public sealed partial class BuiltServiceProcessTests : IDisposable
{
    private const string AdminKey = "process-test-bootstrap-admin-key-0123456789";
    private readonly string _workDir = Directory.CreateTempSubdirectory("ko-proc-").FullName;
    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public BuiltServiceProcessTests()
    {
        // Same configuration as this test assembly (Debug or Release).
        var configuration = typeof(BuiltServiceProcessTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        var dll = Path.Combine(RepoPaths.Root, "src", "KetamineOutcomes.Api", "bin", configuration, "net10.0", "KetamineOutcomes.Api.dll");
        Assert.True(File.Exists(dll), $"built service not found at {dll}");
        var start = new ProcessStartInfo("dotnet", [dll, "--urls", "http://127.0.0.1:0"])
        {
            WorkingDirectory = _workDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["Seed__Demo"] = "true";
        start.Environment["Auth__BootstrapAdminKey"] = AdminKey;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_output) _output.Add(line);
        var m = ListeningOn().Match(line);
        if (m.Success) _listening.TrySetResult(new Uri(m.Groups[1].Value));
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();

    [Fact]
    public async Task Built_service_starts_from_any_directory_migrates_seeds_serves_and_logs_json_lines()
    {
        var baseUri = await _listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        using var http = new HttpClient { BaseAddress = baseUri };
        http.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        var created = await http.PostAsJsonAsync("/api/v1/api-keys", new { name = "process test", role = "clinician" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        http.DefaultRequestHeaders.Remove("X-Api-Key");
        http.DefaultRequestHeaders.Add("X-Api-Key", (string)(await created.Content.ReadFromJsonAsync<JsonNode>())!["key"]!);

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/swagger/index.html")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/openapi/v1.json")).StatusCode);
        var page = await http.GetFromJsonAsync<JsonNode>("/api/v1/patients?siteId=demo-north&limit=5");
        Assert.Equal(5, page!["items"]!.AsArray().Count);

        // The database is created in the working directory, with every migration applied.
        var db = Path.Combine(_workDir, "ketamine-outcomes.db");
        Assert.True(File.Exists(db));
        await using (var c = new SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False"))
        {
            await c.OpenAsync();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT COUNT(*) FROM schema_versions";
            Assert.True((long)(await cmd.ExecuteScalarAsync())! >= 1);
        }

        string[] lines;
        lock (_output) lines = [.. _output];
        Assert.All(lines.Where(l => l.StartsWith('{')), l => JsonNode.Parse(l));
        Assert.Contains(lines, l => l.Contains("\"Category\":\"KetamineOutcomes.Api.Seeding.DemoCohortSeeder\"", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("DEMO-00", StringComparison.Ordinal)); // no MRN in logs
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_workDir, recursive: true);
    }
}
