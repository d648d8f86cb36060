using System.Diagnostics;
using System.Net;
using Dapper;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// Issue 24: whichever <c>Audit:ReadDurability</c>, each audited read leaves exactly one audit row per patient it touched,
/// with the same fields — who (key, role, actor), what (action), which patient, what was answered, which request. The
/// same reads and the same expectations run once per mode (the two subclasses), on either store.
/// </summary>
public abstract class ReadAuditRowTests(string? readDurability)
    : ApiTest(readDurability is null ? null : new() { ["Audit:ReadDurability"] = readDurability })
{
    private sealed class Row
    {
        public long Seq { get; set; }
        public DateTimeOffset At { get; set; }
        public Guid? KeyId { get; set; }
        public string? Role { get; set; }
        public string Action { get; set; } = "";
        public Guid? PatientId { get; set; }
        public long StatusCode { get; set; }
        public string Outcome { get; set; } = "";
        public string RequestId { get; set; } = "";
        public string? TargetType { get; set; }
        public string? ClientAddress { get; set; }
        public string? Actor { get; set; }
    }

    [Fact]
    public async Task Each_audited_read_leaves_exactly_one_row_naming_key_role_actor_action_patient_status_and_request()
    {
        var mrn = $"MRN-READAUDIT-{Guid.NewGuid():N}";
        var patient = await CreatePatientAsync(mrn);
        await InfusionAsync(patient, Day0);
        await Phq9Async(patient, Day0.AddDays(1), Phq9Items(12));
        var researcherKey = await CreateKeyAsync("researcher");
        using var researcher = ClientWith(researcherKey);
        long before;
        await using (var c = await App.OpenConnectionAsync()) before = await c.ExecuteScalarAsync<long>("SELECT COALESCE(MAX(seq), 0) FROM audit_events");
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);

        var unknown = Guid.NewGuid();
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync($"/api/v1/patients/{patient}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync($"/api/v1/patients/{patient}/trends?instrument=phq9")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync($"/fhir/r4/Observation?patient={patient}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync($"/api/v1/patients?mrn={mrn}&siteId=north")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Client.GetAsync($"/api/v1/patients/{unknown}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await researcher.GetAsync($"/api/v1/patients/{patient}/trends?instrument=phq9")).StatusCode);
        var answered = DateTimeOffset.UtcNow.AddSeconds(1);

        // Deferred rows follow their answers within a flush or two: wait for them (never more than six appear).
        var rows = await RowsAfterAsync(before, expected: 6);
        var p = Guid.Parse(patient);
        Assert.Equal(
            [("GetPatient", "clinician", p, 200L, "success"), ("GetTrend", "clinician", p, 200L, "success"), ("fhir", "clinician", p, 200L, "success"),
             ("ListPatients", "clinician", p, 200L, "success"), ("GetPatient", "clinician", unknown, 404L, "not-found"),
             ("GetTrend", "researcher", p, 403L, "denied")],
            rows.Select(r => (r.Action.StartsWith("Fhir", StringComparison.Ordinal) ? "fhir" : r.Action, r.Role!, r.PatientId!.Value, r.StatusCode, r.Outcome)));
        var clinicianKeyId = await KeyIdAsync("clinician");
        var researcherKeyId = await KeyIdAsync("researcher");
        Assert.Equal([clinicianKeyId, clinicianKeyId, clinicianKeyId, clinicianKeyId, clinicianKeyId, researcherKeyId], rows.Select(r => r.KeyId!.Value));
        Assert.All(rows, r =>
        {
            Assert.Contains(r.KeyId!.Value.ToString(), r.Actor!, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("\"type\":\"key\"", r.Actor!, StringComparison.Ordinal);
            Assert.InRange(r.At, started, answered);
            Assert.Null(r.TargetType);
            Assert.Null(r.ClientAddress);
        });
        Assert.Equal(6, rows.Select(r => r.RequestId).Where(id => id.Length > 0).Distinct().Count());
        // Still exactly six a moment later: no row is written twice.
        await Task.Delay(300);
        Assert.Equal(6, (await RowsAfterAsync(before, expected: 6)).Count);
    }

    private async Task<IReadOnlyList<Row>> RowsAfterAsync(long seq, int expected)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            await using var c = await App.OpenConnectionAsync();
            var rows = (await c.QueryAsync<Row>("""
                SELECT seq AS Seq, at AS At, key_id AS KeyId, role AS Role, action AS Action, patient_id AS PatientId, status_code AS StatusCode,
                       outcome AS Outcome, request_id AS RequestId, target_type AS TargetType, client_address AS ClientAddress, actor AS Actor
                FROM audit_events WHERE seq > @seq ORDER BY seq
                """, new { seq })).ToList();
            if (rows.Count >= expected || clock.Elapsed > TimeSpan.FromSeconds(15)) return rows;
            await Task.Delay(20);
        }
    }

    private async Task<Guid> KeyIdAsync(string role)
    {
        await using var c = await App.OpenConnectionAsync();
        return await c.ExecuteScalarAsync<Guid>("SELECT id FROM api_keys WHERE role = @role", new { role });
    }
}

/// <summary>The default (no <c>Audit:ReadDurability</c> set): strict.</summary>
public sealed class StrictReadAuditRowTests() : ReadAuditRowTests(null);

public sealed class DeferredReadAuditRowTests() : ReadAuditRowTests("deferred");
