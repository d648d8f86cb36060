using System.Data.Common;
using System.Diagnostics;
using System.Net;
using Dapper;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// Issue 24, deferred read audit: a read's row may follow its answer, but only while the store takes those rows. With
/// the queue full, or with deferred rows failing to be written, a read falls back to strict — its answer waits for its
/// own row and, the store not taking it, answers 503 with Retry-After and no patient data (issue 12). A row once handed
/// over is never dropped: it is written when the store takes rows again. The store is broken as <see cref="FailClosedTests"/>
/// breaks it (its write lock held; PostgreSQL: audit_events locked) or with a trigger that refuses every audit row.
/// </summary>
public sealed class DeferredReadFailClosedTests() : ApiTest(new()
{
    ["Audit:ReadDurability"] = "deferred",
    // One row may wait: the second read while the first row waits finds the queue full.
    ["Audit:DeferredRowsQueued"] = "1",
    ["Storage:WriteTimeout"] = "00:00:01",
})
{
    private string _patient = "";
    private string _mrn = "";

    public override async Task InitializeAsync()
    {
        Client.Timeout = Admin.Timeout = TimeSpan.FromSeconds(30);
        await base.InitializeAsync();
        _mrn = $"MRN-DEFERRED-{Guid.NewGuid():N}";
        _patient = await CreatePatientAsync(_mrn);
        await InfusionAsync(_patient, Day0);
        await Phq9Async(_patient, Day0.AddHours(-1), Phq9Items(19));
    }

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

    private async Task<long> TrendRowsAsync()
    {
        await using var c = await App.OpenConnectionAsync();
        return await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_events WHERE action = 'GetTrend' AND patient_id = @p", new { p = Guid.Parse(_patient) });
    }

    private async Task<long> WaitForTrendRowsAsync(long expected)
    {
        var clock = Stopwatch.StartNew();
        long rows;
        while ((rows = await TrendRowsAsync()) < expected && clock.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(50);
        return rows;
    }

    private string Trend => $"/api/v1/patients/{_patient}/trends?instrument=phq9";

    private static async Task AssertFailedClosedAsync(HttpResponseMessage response, string patient, string mrn)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("1", response.Headers.GetValues("Retry-After").Single());
        Assert.DoesNotContain(patient, body, StringComparison.Ordinal);
        Assert.DoesNotContain(mrn, body, StringComparison.Ordinal);
        Assert.DoesNotContain("\"points\"", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_the_queue_full_and_the_store_locked_a_read_fails_closed_and_the_deferred_row_is_written_once_the_lock_goes()
    {
        var held = await HoldWriteLockAsync();
        // The first read's row is handed over (the store does not take it yet) and its answer leaves with the data.
        var first = await Client.GetAsync(Trend);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Contains(_patient, await first.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // The second finds the one place taken: it writes its own row, cannot, and answers 503 without data.
        var second = await Client.GetAsync(Trend);
        await AssertFailedClosedAsync(second, _patient, _mrn);
        await ReleaseAsync(held);

        // The first read's row, never dropped, lands once the lock is gone; the refused read left none.
        Assert.Equal(1, await WaitForTrendRowsAsync(1));
        await Task.Delay(500);
        Assert.Equal(1, await TrendRowsAsync());
        // And reads are deferred again.
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync(Trend)).StatusCode);
        Assert.Equal(2, await WaitForTrendRowsAsync(2));
    }

    [Fact]
    public async Task Admin_reads_keep_strict_audit_rows_so_with_the_store_locked_they_fail_closed_while_a_patient_read_is_deferred()
    {
        var held = await HoldWriteLockAsync();
        var audit = await Admin.GetAsync("/api/v1/audit?limit=5");
        var keys = await Admin.GetAsync("/api/v1/api-keys");
        var trend = await Client.GetAsync(Trend);
        await ReleaseAsync(held);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, audit.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, keys.StatusCode);
        Assert.Equal(HttpStatusCode.OK, trend.StatusCode);
        Assert.Equal(1, await WaitForTrendRowsAsync(1));
    }

    [Fact]
    public async Task While_deferred_rows_fail_to_be_written_reads_fail_closed_and_the_failed_row_is_written_after_recovery()
    {
        await App.Store.FailInsertsIntoAsync("audit_events");
        // Handed over before anything failed: answered with data; its row then fails and is retried.
        var first = await Client.GetAsync(Trend);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);

        // Once the failure is known (within a batch or two), every read writes its own row, cannot, and fails closed.
        var answeredWithData = 1L;
        var clock = Stopwatch.StartNew();
        HttpResponseMessage response;
        while ((response = await Client.GetAsync(Trend)).StatusCode == HttpStatusCode.OK && clock.Elapsed < TimeSpan.FromSeconds(10))
            answeredWithData++;
        await AssertFailedClosedAsync(response, _patient, _mrn);
        await AssertFailedClosedAsync(await Client.GetAsync(Trend), _patient, _mrn);
        await AssertFailedClosedAsync(await Client.GetAsync($"/fhir/r4/Observation?patient={_patient}"), _patient, _mrn);

        await using (var c = await App.OpenConnectionAsync())
            await c.ExecuteAsync(App.Store.IsPostgres ? "DROP TRIGGER fail_audit_events ON audit_events" : "DROP TRIGGER fail_audit_events");
        // Every read answered with data has its row, written by the retries; the refused ones have none.
        Assert.Equal(answeredWithData, await WaitForTrendRowsAsync(answeredWithData));
        await Task.Delay(500);
        Assert.Equal(answeredWithData, await TrendRowsAsync());
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync(Trend)).StatusCode);
    }
}
