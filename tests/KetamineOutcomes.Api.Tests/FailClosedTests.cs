using System.Data.Common;
using System.Diagnostics;
using System.Net;
using Dapper;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// SPEC v2 Security, continued — fail closed: with the store's write lock held by another connection (a real lock on
/// the real SQLite file, or on PostgreSQL an EXCLUSIVE lock on audit_events, which every audited call needs), a read
/// whose audit row cannot be written returns no patient data and a write stores nothing: both answer 503 with
/// Retry-After within the configured bound, never a hang; readiness says degraded.
/// </summary>
// The periodic passes (assessment.due, response watch) are off: a write of theirs that gets through between a test's
// give-up and its readiness probe rightly clears "degraded", which would make the probe's answer a race.
public sealed class FailClosedTests() : ApiTest(new()
{
    ["Storage:WriteTimeout"] = "00:00:01",
    ["Scheduler:Enabled"] = "false",
    ["ResponseWatch:Enabled"] = "false",
})
{
    private string _patient = "";
    private string _mrn = "";

    public override async Task InitializeAsync()
    {
        // A hang must fail the test, not wait for the lock: well past the 1 s bound (set before the clients' first request).
        Client.Timeout = Admin.Timeout = TimeSpan.FromSeconds(30);
        await base.InitializeAsync();
        _mrn = $"MRN-FAILCLOSED-{Guid.NewGuid():N}";
        _patient = await CreatePatientAsync(_mrn);
        await InfusionAsync(_patient, Day0);
        await Phq9Async(_patient, Day0.AddHours(-1), Phq9Items(19, item9: 0));
    }

    /// <summary>Holds the write lock every audited call needs until disposed (then releases it, keeping nothing).</summary>
    private async Task<DbConnection> HoldWriteLockAsync()
    {
        var c = await App.OpenConnectionAsync();
        await c.ExecuteAsync(App.Store.IsPostgres ? "BEGIN; LOCK TABLE audit_events IN EXCLUSIVE MODE" : "BEGIN IMMEDIATE");
        return c;
    }

    private static async Task ReleaseAsync(DbConnection held)
    {
        await held.ExecuteAsync("ROLLBACK");
        await held.DisposeAsync();
    }

    private static void AssertStoreUnavailable(HttpResponseMessage response, string body, Stopwatch elapsed)
    {
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode} after {elapsed.ElapsedMilliseconds} ms: {body}");
        Assert.Equal("1", response.Headers.GetValues("Retry-After").Single());
    }

    public static TheoryData<string> PatientReads => new()
    {
        "/api/v1/patients/{id}",
        "/api/v1/patients/{id}/questionnaires",
        "/api/v1/patients/{id}/trends?instrument=phq9",
        "/api/v1/patients?mrn={mrn}&siteId=north",
        "/fhir/r4/Observation?patient={id}",
        "/fhir/r4/QuestionnaireResponse?patient={id}",
    };

    [Theory]
    [MemberData(nameof(PatientReads))]
    public async Task A_read_whose_audit_row_cannot_be_written_answers_503_with_Retry_After_and_no_patient_data(string route)
    {
        var url = route.Replace("{id}", _patient, StringComparison.Ordinal).Replace("{mrn}", _mrn, StringComparison.Ordinal);
        // The same read answers with the patient's data while the store takes writes.
        Assert.Contains(_patient, await (await Client.GetAsync(url)).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        long rowsBefore;
        await using (var c = await App.OpenConnectionAsync()) rowsBefore = await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_events");

        var held = await HoldWriteLockAsync();
        var clock = Stopwatch.StartNew();
        var response = await Client.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        clock.Stop();
        await ReleaseAsync(held);

        AssertStoreUnavailable(response, body, clock);
        Assert.DoesNotContain(_patient, body, StringComparison.Ordinal);
        Assert.DoesNotContain(_mrn, body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"items\"", body, StringComparison.Ordinal);
        Assert.Null(response.Headers.ETag);
        // No row claims the read was answered: the only rows written are those of the reads before the lock.
        await using (var c = await App.OpenConnectionAsync())
            Assert.Equal(rowsBefore, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_events"));
    }

    [Fact]
    public async Task A_write_that_cannot_reach_the_store_answers_503_with_Retry_After_stores_nothing_and_can_be_retried_with_its_key()
    {
        // Item 9 answered "more than half the days": stored, it would raise an alert and an outbox event.
        var submission = new { instrument = "phq9", completedAt = Iso(Day0.AddDays(1)), items = Phq9Items(20, item9: 2) };
        var key = Guid.NewGuid().ToString();
        long Count(DbConnection c, string table) => c.ExecuteScalar<long>($"SELECT COUNT(*) FROM {table}");
        long questionnaires, alerts, events;
        await using (var c = await App.OpenConnectionAsync())
            (questionnaires, alerts, events) = (Count(c, "questionnaires"), Count(c, "safety_alerts"), Count(c, "outbox_events"));

        var held = await HoldWriteLockAsync();
        var clock = Stopwatch.StartNew();
        var (status, body, response) = await PostAsync($"/api/v1/patients/{_patient}/questionnaires", submission, key);
        clock.Stop();
        await ReleaseAsync(held);

        AssertStoreUnavailable(response, body?.ToJsonString() ?? "", clock);
        Assert.Equal(503, (int)body!["status"]!);
        await using (var c = await App.OpenConnectionAsync())
        {
            Assert.Equal(questionnaires, Count(c, "questionnaires"));
            Assert.Equal(alerts, Count(c, "safety_alerts"));
            Assert.Equal(events, Count(c, "outbox_events"));
        }
        // Nothing was stored, the key included: the retry is a first write, with its alert.
        var (again, created, _) = await PostAsync($"/api/v1/patients/{_patient}/questionnaires", submission, key);
        Assert.Equal(HttpStatusCode.Created, again);
        Assert.NotNull(created!["alert"]);
        await using (var c = await App.OpenConnectionAsync())
            Assert.Equal(questionnaires + 1, Count(c, "questionnaires"));
    }

    [Fact]
    public async Task Ready_is_degraded_while_the_write_lock_is_held_and_healthy_once_it_is_released()
    {
        Assert.Equal("healthy", (string)(await GetOkAsync("/health/ready"))["status"]!);
        var held = await HoldWriteLockAsync();
        // Readiness reuses a probe result for a second (a flood of probes costs one lock attempt): ask past it.
        await Task.Delay(1100);
        var (status, body, _) = await SendAsync(HttpMethod.Get, "/health/ready");
        // Writes meanwhile answer 503, and readiness still says degraded after them.
        var (write, _, _) = await PostAsync($"/api/v1/patients/{_patient}/infusions",
            new { administeredAt = Iso(Day0.AddDays(2)), route = "iv", drug = "ketamine", doseMgPerKg = 0.5 });
        var (after, afterBody, _) = await SendAsync(HttpMethod.Get, "/health/ready");
        await ReleaseAsync(held);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        Assert.Equal("degraded", (string)body!["status"]!);
        Assert.Contains("503", (string)body["detail"]!, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, write);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, after);
        Assert.Equal("degraded", (string)afterBody!["status"]!);
        // Once the lock is gone a write gets through, and with it readiness (a give-up is cleared by a write, not by a
        // probe of one table) — within the probe's one-second reuse.
        var (retried, _, _) = await PostAsync($"/api/v1/patients/{_patient}/infusions",
            new { administeredAt = Iso(Day0.AddDays(2)), route = "iv", drug = "ketamine", doseMgPerKg = 0.5 });
        Assert.Equal(HttpStatusCode.Created, retried);
        for (var i = 0; i < 30; i++)
        {
            var (ready, readyBody, _) = await SendAsync(HttpMethod.Get, "/health/ready");
            if (ready == HttpStatusCode.OK)
            {
                Assert.Equal("healthy", (string)readyBody!["status"]!);
                return;
            }
            await Task.Delay(200);
        }
        Assert.Fail("/health/ready stayed degraded after the lock was released and a write got through.");
    }

    /// <summary>
    /// PostgreSQL: ALTER TABLE, VACUUM FULL, REINDEX or TRUNCATE hold an ACCESS EXCLUSIVE lock that blocks even reads
    /// (the key lookup included). Every statement's lock wait is bounded (lock_timeout), so reads and writes answer 503
    /// with Retry-After and readiness is degraded; on SQLite readers never wait for a lock (WAL), which the read test
    /// above shows with the one write lock held.
    /// </summary>
    [Theory]
    [InlineData("questionnaires", "/api/v1/patients/{id}/questionnaires")]
    [InlineData("api_keys", "/api/v1/patients/{id}")]
    public async Task A_table_lock_that_blocks_reads_answers_503_with_Retry_After_not_a_hang(string table, string route)
    {
        if (!App.Store.IsPostgres)
        {
            // SQLite has no table locks; its one write lock does not block readers (WAL): the read answers with data.
            var held = await HoldWriteLockAsync();
            var sqlite = await Client.GetAsync(route.Replace("{id}", _patient, StringComparison.Ordinal));
            await ReleaseAsync(held);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, sqlite.StatusCode); // its audit row cannot be written: fail closed
            return;
        }
        var c = await App.OpenConnectionAsync();
        await c.ExecuteAsync($"BEGIN; LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE");
        var clock = Stopwatch.StartNew();
        var response = await Client.GetAsync(route.Replace("{id}", _patient, StringComparison.Ordinal));
        var body = await response.Content.ReadAsStringAsync();
        clock.Stop();
        var (write, _, _) = await PostAsync($"/api/v1/patients/{_patient}/questionnaires",
            new { instrument = "phq9", completedAt = Iso(Day0.AddDays(3)), items = Phq9Items(12) });
        // A load balancer probes without a key (with one, the key lookup itself would meet the lock).
        using var balancer = ClientWith(null);
        var probe = await balancer.GetAsync("/health/ready");
        var readyBody = System.Text.Json.Nodes.JsonNode.Parse(await probe.Content.ReadAsStringAsync());
        await ReleaseAsync(c);

        AssertStoreUnavailable(response, body, clock);
        Assert.DoesNotContain(_mrn, body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, write);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, probe.StatusCode);
        Assert.Equal("degraded", (string)readyBody!["status"]!);
    }

    [Fact]
    public async Task A_refusal_carries_no_data_and_still_answers_while_the_store_is_locked()
    {
        var held = await HoldWriteLockAsync();
        using var anonymous = ClientWith(null);
        anonymous.Timeout = TimeSpan.FromSeconds(30);
        var response = await anonymous.GetAsync($"/api/v1/patients/{_patient}/questionnaires");
        await ReleaseAsync(held);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task The_streamed_research_export_answers_503_before_its_first_byte_when_its_audit_row_cannot_be_written()
    {
        using var researcher = ClientWith(await CreateKeyAsync("researcher"));
        researcher.Timeout = TimeSpan.FromSeconds(30);
        const string url = "/api/v1/research/export.csv?instrument=phq9";
        var open = await researcher.GetAsync(url);
        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        Assert.StartsWith("pseudoId", await open.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var held = await HoldWriteLockAsync();
        var clock = Stopwatch.StartNew();
        var response = await researcher.GetAsync(url);
        var body = await response.Content.ReadAsStringAsync();
        clock.Stop();
        await ReleaseAsync(held);

        AssertStoreUnavailable(response, body, clock);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("pseudoId", body, StringComparison.Ordinal);
    }
}
