using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Api.Tests;

public class AuditTests : ApiTest
{
    private async Task<JsonArray> AuditOfAsync(string patientId)
    {
        var page = await Admin.GetFromJsonAsync<JsonNode>($"/api/v1/audit?patientId={patientId}&limit=500");
        return page!["items"]!.AsArray();
    }

    [Fact]
    public async Task Every_read_and_write_of_a_patient_appends_a_row_with_key_role_action_and_outcome()
    {
        var patient = await CreatePatientAsync();
        await InfusionAsync(patient, Day0);
        await Phq9Async(patient, Day0.AddDays(1), Phq9Items(12));
        await GetOkAsync($"/api/v1/patients/{patient}/trends");
        await GetOkAsync($"/api/v1/patients/{patient}");
        await GetOkAsync($"/api/v1/patients?mrn=nobody-matches");

        var rows = await AuditOfAsync(patient);
        Assert.Equal(["CreatePatient", "RecordInfusion", "SubmitQuestionnaire", "GetTrend", "GetPatient"],
            rows.Select(r => (string)r!["action"]!));
        Assert.All(rows, r =>
        {
            Assert.Equal("clinician", (string)r!["role"]!);
            Assert.Equal("success", (string)r["outcome"]!);
            Assert.False(string.IsNullOrEmpty((string?)r["keyId"]));
            Assert.False(string.IsNullOrEmpty((string?)r["requestId"]));
        });
        var keys = await Admin.GetFromJsonAsync<JsonNode>("/api/v1/api-keys");
        var clinicianKeyId = keys!["items"]!.AsArray().Single(k => (string)k!["role"]! == "clinician")!["id"]!.ToString();
        Assert.All(rows, r => Assert.Equal(clinicianKeyId, (string)r!["keyId"]!));
    }

    [Fact]
    public async Task Refused_and_failed_attempts_are_audited_too()
    {
        var patient = await CreatePatientAsync();
        using var researcher = ClientWith(await CreateKeyAsync("researcher"));
        using var nobody = ClientWith(null);
        Assert.Equal(HttpStatusCode.Forbidden, (await researcher.GetAsync($"/api/v1/patients/{patient}/trends")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await nobody.GetAsync($"/api/v1/patients/{patient}/trends")).StatusCode);
        var (status, _, _) = await PostAsync($"/api/v1/patients/{patient}/questionnaires", new { instrument = "phq9" });
        Assert.Equal(HttpStatusCode.BadRequest, status);

        var rows = (await AuditOfAsync(patient)).Skip(1).ToArray(); // after CreatePatient
        Assert.Equal([("researcher", "denied", 403), (null, "denied", 401), ("clinician", "invalid", 400)],
            rows.Select(r => ((string?)r!["role"], (string)r["outcome"]!, (int)r["statusCode"]!)));
    }

    [Fact]
    public async Task An_id_in_a_route_is_recorded_as_a_patient_only_on_patient_routes()
    {
        // /safety-alerts/{id}/acknowledge names an alert: a refusal there must not file the alert id as a patient id.
        var alert = Guid.NewGuid();
        var (status, _, _) = await PostAsync($"/api/v1/safety-alerts/{alert}/acknowledge", new { note = "Called the patient." });
        Assert.Equal(HttpStatusCode.NotFound, status);
        var patient = await CreatePatientAsync();
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync($"/api/v1/patients/{patient}")).StatusCode);

        await using var c = await App.OpenConnectionAsync();
        var rows = (await c.QueryAsync<(string Action, Guid? PatientId)>(
            "SELECT action AS Action, patient_id AS PatientId FROM audit_events WHERE action IN ('AcknowledgeSafetyAlert', 'GetPatient') ORDER BY seq")).ToArray();
        Assert.Equal([("AcknowledgeSafetyAlert", null), ("GetPatient", Guid.Parse(patient))], rows.Select(r => (r.Action, r.PatientId)));
    }

    [Fact]
    public async Task An_audited_answer_is_held_whole_and_sent_with_its_length_after_its_audit_row_is_stored()
    {
        var patient = await CreatePatientAsync();
        await InfusionAsync(patient, Day0);
        await Phq9Async(patient, Day0.AddDays(1), Phq9Items(12));

        using var response = await Client.GetAsync($"/api/v1/patients/{patient}/trends", HttpCompletionOption.ResponseHeadersRead);
        // Held, not streamed: the length is known before the first byte leaves (a streamed JSON answer is chunked).
        Assert.NotNull(response.Content.Headers.ContentLength);
        await using var c = await App.OpenConnectionAsync();
        Assert.Equal(1, await c.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM audit_events WHERE action = 'GetTrend' AND patient_id = @patient", new { patient = Guid.Parse(patient) }));
        var body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(response.Content.Headers.ContentLength, body.Length);
    }

    [Fact]
    public async Task A_write_refused_inside_its_unit_leaves_one_row_with_its_refusal_and_no_success_row()
    {
        var unknown = Guid.NewGuid().ToString();
        var (status, _, _) = await PostAsync($"/api/v1/patients/{unknown}/questionnaires",
            new { instrument = "phq9", completedAt = Day0.AddDays(1), items = Phq9Items(12) });
        Assert.Equal(HttpStatusCode.NotFound, status);
        await using var c = await App.OpenConnectionAsync();
        var rows = (await c.QueryAsync<(string, long)>(
            "SELECT outcome, status_code FROM audit_events WHERE patient_id = @p", new { p = Guid.Parse(unknown) })).ToArray();
        Assert.Equal([("not-found", 404L)], rows);
    }

    [Fact]
    public async Task A_streamed_research_export_is_not_held()
    {
        using var researcher = ClientWith(await CreateKeyAsync("researcher"));
        using var response = await researcher.GetAsync("/api/v1/research/export.csv?instrument=phq9", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Null(response.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task Audit_rows_cannot_be_updated_or_deleted_even_with_direct_sql()
    {
        var patient = await CreatePatientAsync();
        await using var c = await App.OpenConnectionAsync();
        var before = await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_events");
        Assert.True(before >= 1);

        var update = await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => c.ExecuteAsync("UPDATE audit_events SET outcome = 'success', patient_id = NULL"));
        Assert.Contains("append-only", update.Message, StringComparison.Ordinal);
        var delete = await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => c.ExecuteAsync("DELETE FROM audit_events"));
        Assert.Contains("append-only", delete.Message, StringComparison.Ordinal);
        Assert.Equal(before, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_events"));
        Assert.Equal(Guid.Parse(patient), await c.ExecuteScalarAsync<Guid>("SELECT patient_id FROM audit_events WHERE action = 'CreatePatient' ORDER BY seq LIMIT 1"));
    }

    [Fact]
    public async Task Audit_lists_filter_by_inclusive_time_and_page_with_cursors()
    {
        var patient = await CreatePatientAsync();
        for (var i = 0; i < 4; i++) await GetOkAsync($"/api/v1/patients/{patient}");
        var first = await Admin.GetFromJsonAsync<JsonNode>($"/api/v1/audit?patientId={patient}&limit=2");
        Assert.Equal(2, first!["items"]!.AsArray().Count);
        var second = await Admin.GetFromJsonAsync<JsonNode>($"/api/v1/audit?patientId={patient}&limit=2&cursor={first["nextCursor"]}");
        var third = await Admin.GetFromJsonAsync<JsonNode>($"/api/v1/audit?patientId={patient}&limit=2&cursor={second!["nextCursor"]}");
        Assert.Single(third!["items"]!.AsArray());
        Assert.Null((string?)third["nextCursor"]);

        var future = Uri.EscapeDataString(Iso(DateTimeOffset.UtcNow.AddDays(1)));
        Assert.Empty((await Admin.GetFromJsonAsync<JsonNode>($"/api/v1/audit?patientId={patient}&from={future}"))!["items"]!.AsArray());
        var bad = await Admin.GetAsync("/api/v1/audit?patientId=not-a-uuid");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Admin_reads_the_audit_but_not_patients()
    {
        var patient = await CreatePatientAsync();
        Assert.Equal(HttpStatusCode.Forbidden, (await Admin.GetAsync($"/api/v1/patients/{patient}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Client.GetAsync("/api/v1/audit")).StatusCode);
    }
}
