using System.Diagnostics;
using Dapper;
using KetamineOutcomes.Data.Infrastructure;
using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Data.Tests;

/// <summary>
/// SPEC v2 Security, continued: a write that cannot reach the store within Storage:WriteTimeout fails closed — nothing
/// stored, <see cref="StoreUnavailableException"/> (503 at the API) — never a hang, with a real write lock held on the
/// real SQLite file by another connection.
/// </summary>
public class WriteTimeoutTests
{
    private const string Insert = "INSERT INTO patients (id, research_consent, created_at, updated_at) VALUES (@id, 1, 0, 0)";

    private static async Task<(SqliteConnection Blocker, SqliteTransaction Lock)> HoldWriteLockAsync(TempDatabase db)
    {
        var blocker = new SqliteConnection(db.Factory.ConnectionString);
        await blocker.OpenAsync();
        return (blocker, blocker.BeginTransaction(deferred: false));
    }

    private static async Task<long> CountAsync(TempDatabase db, string id)
    {
        await using var c = await db.Factory.OpenAsync(CancellationToken.None);
        return await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM patients WHERE id = @id", new { id });
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_write_behind_a_held_lock_gives_up_at_the_write_timeout_and_its_unit_never_runs(bool groupCommit)
    {
        // Busy timeout (5 s) and retries far beyond the write timeout: only the timeout can end the wait this soon.
        using var db = new TempDatabase(groupCommit: groupCommit, retries: 10, writeTimeout: TimeSpan.FromMilliseconds(300));
        var (blocker, held) = await HoldWriteLockAsync(db);
        var ran = 0;
        var clock = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<StoreUnavailableException>(async () => await db.Db.WriteAsync(async (c, tx, ct) =>
        {
            Interlocked.Increment(ref ran);
            return await c.ExecuteAsync(new CommandDefinition(Insert, new { id = "late" }, tx, cancellationToken: ct));
        }, CancellationToken.None));
        clock.Stop();
        Assert.Equal(TimeSpan.FromMilliseconds(300), e.Waited);
        Assert.True(db.Db.Writes.Failing);

        held.Rollback();
        await blocker.DisposeAsync();
        // The writer goes on once the lock is gone; the withdrawn unit was never run, so nothing of it is stored.
        await db.Db.WriteAsync((c, tx, ct) => c.ExecuteAsync(new CommandDefinition(Insert, new { id = "after" }, tx, cancellationToken: ct)), CancellationToken.None);
        Assert.Equal(0, await CountAsync(db, "late"));
        Assert.Equal(1, await CountAsync(db, "after"));
        if (groupCommit) Assert.Equal(0, ran);
        Assert.False(db.Db.Writes.Failing);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4.5), $"gave up after {clock.ElapsedMilliseconds} ms, not at the write timeout");
    }

    [Fact]
    public async Task Audit_rows_that_cannot_be_appended_in_time_are_never_appended_later()
    {
        using var db = new TempDatabase(retries: 10, writeTimeout: TimeSpan.FromMilliseconds(300));
        var statement = new AppendStatement("INSERT INTO audit_events (at, action, status_code, outcome, request_id) VALUES (@at, @action, 200, 'success', 'r')", "at", "action");
        var (blocker, held) = await HoldWriteLockAsync(db);
        await Assert.ThrowsAsync<StoreUnavailableException>(() => db.Db.AppendAsync(statement, [[1L, "TooLate"]], CancellationToken.None));
        held.Rollback();
        await blocker.DisposeAsync();

        await db.Db.AppendAsync(statement, [[2L, "InTime"]], CancellationToken.None);
        await using var c = await db.Factory.OpenAsync(CancellationToken.None);
        Assert.Equal(["InTime"], (await c.QueryAsync<string>("SELECT action FROM audit_events")).ToArray());
    }

    [Fact]
    public async Task A_unit_already_running_when_its_deadline_passes_is_committed_and_answered()
    {
        using var db = new TempDatabase(writeTimeout: TimeSpan.FromSeconds(1));
        // The writer's connection is open (a first write), so the unit below starts at once, well inside its deadline.
        await db.Db.WriteAsync((c, tx, ct) => c.ExecuteAsync(new CommandDefinition(Insert, new { id = "warm" }, tx, cancellationToken: ct)), CancellationToken.None);
        // The deadline bounds the wait for the store, not a unit's own work: once started it commits and is answered.
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var written = await db.Db.WriteAsync(async (c, tx, ct) =>
        {
            started.SetResult();
            await Task.Delay(1500, CancellationToken.None);
            return await c.ExecuteAsync(new CommandDefinition(Insert, new { id = "slow" }, tx, cancellationToken: ct));
        }, CancellationToken.None);
        Assert.True(started.Task.IsCompleted);
        Assert.Equal(1, written);
        Assert.Equal(1, await CountAsync(db, "slow"));
    }
}
