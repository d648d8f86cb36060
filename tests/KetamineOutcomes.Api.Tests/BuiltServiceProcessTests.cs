using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Api.Tests;

/// <summary>The built service started from an unrelated working directory, on a real Kestrel listener on 127.0.0.1.</summary>
public sealed class BuiltServiceProcessTests : IDisposable
{
    private const string AdminKey = "process-test-bootstrap-admin-key-0123456789";
    private readonly string _workDir = Directory.CreateTempSubdirectory("ko-proc-").FullName;
    private readonly BuiltService _service;

    public BuiltServiceProcessTests() => _service = new BuiltService(_workDir, new Dictionary<string, string>
    {
        ["Seed__Demo"] = "true",
        ["Auth__BootstrapAdminKey"] = AdminKey,
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
    });

    [Fact]
    public async Task Built_service_starts_from_any_directory_migrates_seeds_serves_and_logs_json_lines()
    {
        var baseUri = await _service.ListeningAsync();
        using var http = new HttpClient { BaseAddress = baseUri };
        http.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        var created = await http.PostAsJsonAsync("/api/v1/api-keys", new { name = "process test", role = "clinician" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        http.DefaultRequestHeaders.Remove("X-Api-Key");
        http.DefaultRequestHeaders.Add("X-Api-Key", (string)(await created.Content.ReadFromJsonAsync<JsonNode>())!["key"]!);

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/swagger/index.html")).StatusCode);
        // The dashboard ships with the binaries: served at / from any working directory, under its own strict CSP.
        var dashboard = await http.GetAsync("/");
        Assert.Equal("text/html", dashboard.Content.Headers.ContentType?.MediaType);
        Assert.Contains("clinician dashboard", await dashboard.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", dashboard.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/dashboard/dashboard.js")).StatusCode);
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

        var lines = _service.OutputLines();
        Assert.All(lines.Where(l => l.StartsWith('{')), l => JsonNode.Parse(l));
        Assert.Contains(lines, l => l.Contains("\"Category\":\"KetamineOutcomes.Api.Seeding.DemoCohortSeeder\"", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l.Contains("DEMO-00", StringComparison.Ordinal)); // no MRN in logs
    }

    public void Dispose()
    {
        _service.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_workDir, recursive: true);
    }
}
