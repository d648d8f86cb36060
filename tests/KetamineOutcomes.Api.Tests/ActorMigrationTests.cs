using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// Rows stored by keys before migration 0020 (which records the actor) keep working: an acknowledgement gets its key as
/// actor from the migration's own backfill statement, and an audit row without an actor is named by its key_id and the
/// key's name when listed.
/// </summary>
public sealed class ActorMigrationTests : ApiTest
{
    [Fact]
    public async Task A_key_acknowledgement_and_an_audit_row_stored_before_actors_are_named_by_their_key_after_migration_0020()
    {
        var patient = await CreatePatientAsync();
        await Phq9Async(patient, Day0, Phq9Items(12, item9: 1));
        var alertId = (string)(await GetOkAsync("/api/v1/safety-alerts"))["items"]![0]!["id"]!;
        var acknowledged = await Client.PostAsJsonAsync($"/api/v1/safety-alerts/{alertId}/acknowledge", new { note = "Called patient" });
        Assert.Equal(HttpStatusCode.OK, acknowledged.StatusCode);
        var keyId = Guid.Parse((string)(await acknowledged.Content.ReadFromJsonAsync<JsonNode>())!["acknowledgedBy"]!);

        await using (var c = await App.OpenConnectionAsync())
        {
            // As a store before 0020 held them: an acknowledgement with only acknowledged_by, an audit row with only key_id.
            await c.ExecuteAsync("UPDATE safety_alerts SET acknowledged_actor = NULL WHERE acknowledged_by IS NOT NULL");
            await c.ExecuteAsync("""
                INSERT INTO audit_events (at, key_id, role, action, status_code, outcome, request_id)
                VALUES (1, @keyId, 'clinician', 'GetPatient', 200, 'success', 'before-0020')
                """, new { keyId });
            var migration = await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "migrations", App.Store.Provider, "0020_actors.sql"));
            await c.ExecuteAsync(migration[migration.IndexOf("UPDATE safety_alerts", StringComparison.Ordinal)..]);
        }

        var alert = (await GetOkAsync("/api/v1/safety-alerts?status=all"))["items"]!.AsArray().Single(a => (string)a!["id"]! == alertId)!;
        Assert.Equal(new JsonObject { ["type"] = "key", ["id"] = keyId.ToString(), ["name"] = "test clinician" }.ToJsonString(),
            alert["acknowledgedByActor"]!.ToJsonString());
        var audit = (await Admin.GetFromJsonAsync<JsonNode>("/api/v1/audit?action=GetPatient&limit=500"))!["items"]!.AsArray();
        var legacy = audit.Single(r => (string)r!["requestId"]! == "before-0020")!;
        Assert.Equal(new JsonObject { ["type"] = "key", ["id"] = keyId.ToString(), ["name"] = "test clinician" }.ToJsonString(),
            legacy["actor"]!.ToJsonString());
    }
}
