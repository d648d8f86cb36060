using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests;

/// <summary>With ConnectionStrings:Research set, research reads go there (a replica) while everything else stays on the primary.</summary>
public sealed class ResearchReplicaTests : IDisposable
{
    private const string AdminKey = "replica-test-admin-key-0123456789abcdef";
    private readonly TestStore _replica = TestStore.Create();

    [Fact]
    public async Task Research_queries_read_the_configured_replica_and_clinical_reads_the_primary()
    {
        // Give the "replica" a current schema (a real replica gets it from the primary's WAL stream).
        using (var migrate = new OutcomesApp(new() { ["Auth:BootstrapAdminKey"] = AdminKey }, _replica)) _ = migrate.Services;

        using var app = new OutcomesApp(new()
        {
            ["Auth:BootstrapAdminKey"] = AdminKey,
            ["Seed:Demo"] = "true",
            ["ConnectionStrings:Research"] = _replica.ConnectionString,
        });
        using var admin = app.CreateClient();
        admin.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        async Task<HttpClient> As(string role)
        {
            var key = (await (await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = role, role })).Content.ReadFromJsonAsync<JsonNode>())!["key"]!.ToString();
            var c = app.CreateClient();
            c.DefaultRequestHeaders.Add("X-Api-Key", key);
            return c;
        }
        using var researcher = await As("researcher");
        using var clinician = await As("clinician");

        // The primary holds the 60 demo patients; the empty replica answers research.
        Assert.Equal(60, (await clinician.GetFromJsonAsync<JsonNode>("/api/v1/patients?limit=100"))!["items"]!.AsArray().Count);
        Assert.Equal(0, (int)(await researcher.GetFromJsonAsync<JsonNode>("/api/v1/research/summary?instrument=phq9"))!["cohortN"]!);
        // …and the research call's audit row still lands on the primary.
        var audit = (await admin.GetFromJsonAsync<JsonNode>("/api/v1/audit?limit=500"))!["items"]!.AsArray();
        Assert.Contains(audit, e => (string?)e!["action"] == "GetResearchSummary");
    }

    public void Dispose() => _replica.Dispose();
}
