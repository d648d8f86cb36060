using CsCheck;
using Dapper;
using KetamineOutcomes.Data.Infrastructure;

namespace KetamineOutcomes.Data.Tests;

public class GroupCommitTests
{
    private const string Insert = "INSERT INTO patients (id, research_consent, created_at, updated_at) VALUES (@id, 1, 0, 0)";

    private static Task<int> InsertPatient(Database db, string id, CancellationToken ct = default) =>
        db.WriteAsync((c, t, token) => c.ExecuteAsync(new CommandDefinition(Insert, new { id }, t, cancellationToken: token)), ct).AsTask();

    private static async Task<HashSet<string>> StoredIds(TempDatabase db)
    {
        // A fresh connection sees only what was committed.
        await using var c = await db.Factory.OpenAsync(CancellationToken.None);
        return (await c.QueryAsync<string>("SELECT id FROM patients")).ToHashSet();
    }

    /// <summary>Holds the writer inside a first unit while the test queues more behind it, so they share one batch.</summary>
    private static (Task<int> Blocker, TaskCompletionSource Release, TaskCompletionSource Entered) Block(Database db, string id)
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var blocker = db.WriteAsync(async (c, t, ct) =>
        {
            var n = await c.ExecuteAsync(new CommandDefinition(Insert, new { id }, t, cancellationToken: ct));
            entered.SetResult();
            await release.Task;
            return n;
        }, CancellationToken.None).AsTask();
        return (blocker, release, entered);
    }

    [Fact]
    public void Sqlite_writes_use_group_commit_by_default_and_it_can_be_turned_off()
    {
        using var on = new TempDatabase();
        using var off = new TempDatabase(groupCommit: false);
        Assert.True(on.Db.GroupCommit);
        Assert.False(off.Db.GroupCommit);
    }

    [Fact]
    public async Task A_unit_is_not_acknowledged_before_the_commit_of_its_batch()
    {
        using var db = new TempDatabase();
        // "a" runs and finishes its work, then "b" (same batch) holds the transaction open.
        var (first, releaseFirst, firstEntered) = Block(db.Db, "first");
        await firstEntered.Task;
        var a = InsertPatient(db.Db, "a");
        var (b, releaseB, bEntered) = Block(db.Db, "b");
        releaseFirst.SetResult();
        await first;
        await bEntered.Task;

        await Task.Delay(100);
        Assert.False(a.IsCompleted); // its row is written but not yet committed: no acknowledgement
        Assert.DoesNotContain("a", await StoredIds(db));

        releaseB.SetResult();
        await Task.WhenAll(a, b);
        Assert.Superset(new HashSet<string> { "first", "a", "b" }, await StoredIds(db));
    }

    [Fact]
    public async Task A_failing_unit_is_rolled_back_alone_and_its_batch_mates_commit()
    {
        using var db = new TempDatabase();
        var (blocker, release, entered) = Block(db.Db, "first");
        await entered.Task;
        var before = InsertPatient(db.Db, "before");
        var failing = db.Db.WriteAsync<int>(async (c, t, ct) =>
        {
            await c.ExecuteAsync(new CommandDefinition(Insert, new { id = "doomed" }, t, cancellationToken: ct));
            throw new InvalidDataException("refused by a rule");
        }, CancellationToken.None).AsTask();
        var duplicate = InsertPatient(db.Db, "before"); // unique violation in the same batch
        var after = InsertPatient(db.Db, "after");
        release.SetResult();

        await Task.WhenAll(blocker, before, after);
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => failing);
        Assert.Equal("refused by a rule", e.Message);
        var unique = await Assert.ThrowsAnyAsync<Exception>(() => duplicate);
        Assert.True(db.Factory.IsUniqueViolation(unique));
        Assert.Equal(new HashSet<string> { "first", "before", "after" }, await StoredIds(db));
    }

    [Fact]
    public async Task A_unit_cancelled_while_queued_never_runs()
    {
        using var db = new TempDatabase();
        var (blocker, release, entered) = Block(db.Db, "first");
        await entered.Task;
        using var cts = new CancellationTokenSource();
        var ran = false;
        var cancelled = db.Db.WriteAsync(async (c, t, ct) =>
        {
            ran = true;
            return await c.ExecuteAsync(new CommandDefinition(Insert, new { id = "cancelled" }, t, cancellationToken: ct));
        }, cts.Token).AsTask();
        await cts.CancelAsync();
        release.SetResult();

        await blocker;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.False(ran);
        Assert.Equal(new HashSet<string> { "first" }, await StoredIds(db));
    }

    [Fact]
    public async Task A_unit_that_starts_another_write_is_refused_instead_of_deadlocking()
    {
        using var db = new TempDatabase();
        var e = await Assert.ThrowsAsync<InvalidOperationException>(async () => await db.Db.WriteAsync(
            async (c, t, ct) => await InsertPatient(db.Db, "nested", ct), CancellationToken.None));
        Assert.Contains("must not start another write", e.Message);
        Assert.Empty(await StoredIds(db));
    }

    [Fact]
    public async Task Audit_rows_ride_along_in_the_batch_and_survive_a_failing_batch_mate()
    {
        using var db = new TempDatabase();
        var (blocker, release, entered) = Block(db.Db, "first");
        await entered.Task;
        var at = DateTimeOffset.UtcNow;
        var appends = Enumerable.Range(0, 20).Select(i => KetamineOutcomes.Data.Stores.AuditStore.AppendAsync(
            db.Db, i % 2 == 0 ? [Guid.NewGuid(), Guid.NewGuid()] : [],
            new KetamineOutcomes.Data.Stores.AuditEntry(at, Guid.NewGuid(), "clinician", "GetTrend", 200, "success", $"req-{i}"), default)).ToArray();
        var failing = db.Db.WriteAsync<int>((c, t, ct) => throw new InvalidDataException("refused"), CancellationToken.None).AsTask();
        release.SetResult();

        await Task.WhenAll(appends.Append(blocker));
        await Assert.ThrowsAsync<InvalidDataException>(() => failing);
        await using var c = await db.Factory.OpenAsync(CancellationToken.None);
        Assert.Equal(30, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_events")); // 10 × 2 patients + 10 × none
        Assert.Equal(20, await c.ExecuteScalarAsync<long>("SELECT COUNT(DISTINCT request_id) FROM audit_events"));
        // Guids bind as the same text the stores read back.
        var patient = await c.ExecuteScalarAsync<string>("SELECT patient_id FROM audit_events WHERE patient_id IS NOT NULL LIMIT 1");
        Assert.True(Guid.TryParse(patient, out _));
    }

    [Fact]
    public async Task A_failing_one_row_append_runs_without_a_savepoint_and_leaves_its_batch_mates_committed()
    {
        using var db = new TempDatabase();
        var audit = new AppendStatement(
            "INSERT INTO audit_events (at, action, status_code, outcome, request_id) VALUES (@at, @action, @status, @outcome, @request)",
            "at", "action", "status", "outcome", "request");
        var (blocker, release, entered) = Block(db.Db, "first");
        await entered.Task;
        var good = db.Db.AppendAsync(audit, [[1L, "GetTrend", 200, "success", "good"]], default);
        var bad = db.Db.AppendAsync(audit, [[2L, "GetTrend", 200, "not-an-outcome", "bad"]], default); // CHECK fails
        var after = InsertPatient(db.Db, "after");
        release.SetResult();

        await Task.WhenAll(blocker, good, after);
        var e = await Assert.ThrowsAnyAsync<Exception>(() => bad);
        Assert.Contains("CHECK", e.Message, StringComparison.OrdinalIgnoreCase);
        await using var c = await db.Factory.OpenAsync(CancellationToken.None);
        Assert.Equal(["good"], await c.QueryAsync<string>("SELECT request_id FROM audit_events"));
        Assert.Equal(new HashSet<string> { "first", "after" }, await StoredIds(db));
    }

    [Fact]
    public async Task Many_concurrent_writers_all_land_exactly_once()
    {
        using var db = new TempDatabase();
        var ids = Enumerable.Range(0, 500).Select(i => $"p{i}").ToArray();
        var results = await Task.WhenAll(ids.Select(id => Task.Run(() => InsertPatient(db.Db, id))));
        Assert.All(results, n => Assert.Equal(1, n));
        Assert.Equal(ids.ToHashSet(), await StoredIds(db));
    }

    [Fact]
    public async Task Whatever_mix_of_units_succeeds_or_fails_the_store_holds_exactly_the_acknowledged_ones()
    {
        // Property: for any sequence of concurrent units, each failing or not, the committed rows are exactly those of
        // the units whose task completed successfully, and every failure reached its own caller.
        using var db = new TempDatabase();
        var round = 0;
        await Gen.Bool.Array[1, 40].SampleAsync(async fails =>
        {
            var r = Interlocked.Increment(ref round);
            var tasks = fails.Select((fail, i) => db.Db.WriteAsync<int>(async (c, t, ct) =>
            {
                var n = await c.ExecuteAsync(new CommandDefinition(Insert, new { id = $"r{r}-{i}" }, t, cancellationToken: ct));
                if (fail) throw new InvalidDataException($"unit {i}");
                return n;
            }, CancellationToken.None).AsTask()).ToArray();
            try { await Task.WhenAll(tasks); } catch (InvalidDataException) { }
            var stored = (await StoredIds(db)).Where(id => id.StartsWith($"r{r}-", StringComparison.Ordinal)).ToHashSet();
            var acknowledged = tasks.Select((t, i) => (t, i)).Where(x => x.t.IsCompletedSuccessfully).Select(x => $"r{r}-{x.i}").ToHashSet();
            return stored.SetEquals(acknowledged)
                && tasks.Select((t, i) => t.IsFaulted == fails[i]).All(ok => ok);
        }, iter: 60);
    }
}
