using Dapper;
using KetamineOutcomes.Data.Infrastructure;
using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Data.Tests;

public class DatabaseRetryTests
{
    private const string Insert = "INSERT INTO patients (id, research_consent, created_at, updated_at) VALUES (@id, 1, 0, 0)";

    [Fact]
    public async Task Write_blocked_past_the_busy_timeout_is_retried_and_succeeds_once_the_lock_is_released()
    {
        using var db = new TempDatabase("Default Timeout=1", retries: 6);
        await using var blocker = new SqliteConnection(db.Factory.ConnectionString);
        await blocker.OpenAsync();
        await using var tx = blocker.BeginTransaction(deferred: false); // holds the write lock
        var release = Task.Delay(1500).ContinueWith(_ => tx.Rollback(), TaskScheduler.Default);

        var attempts = 0;
        await db.Db.WriteAsync(async (c, t, ct) =>
        {
            Interlocked.Increment(ref attempts);
            return await c.ExecuteAsync(new CommandDefinition(Insert, new { id = "p1" }, t, cancellationToken: ct));
        }, CancellationToken.None);
        await release;

        Assert.True(attempts >= 1);
        await using var check = await db.Factory.OpenAsync(CancellationToken.None);
        Assert.Equal(1, await check.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM patients WHERE id = 'p1'"));
    }

    [Fact]
    public async Task Without_retries_a_held_write_lock_surfaces_as_store_unavailable_caused_by_sqlite_busy()
    {
        using var db = new TempDatabase("Default Timeout=1", retries: 0);
        await using var blocker = new SqliteConnection(db.Factory.ConnectionString);
        await blocker.OpenAsync();
        await using var tx = blocker.BeginTransaction(deferred: false);

        var e = await Assert.ThrowsAsync<StoreUnavailableException>(async () => await db.Db.WriteAsync(
            (c, t, ct) => c.ExecuteAsync(new CommandDefinition(Insert, new { id = "p2" }, t, cancellationToken: ct)), CancellationToken.None));
        var busy = Assert.IsType<SqliteException>(e.InnerException);
        Assert.Equal(5, busy.SqliteErrorCode); // SQLITE_BUSY
        Assert.True(db.Factory.IsTransient(busy));
    }

    [Fact]
    public async Task Non_transient_errors_are_not_retried()
    {
        using var db = new TempDatabase(retries: 5);
        var attempts = 0;
        await Assert.ThrowsAsync<SqliteException>(async () => await db.Db.WriteAsync((c, t, ct) =>
        {
            attempts++;
            return c.ExecuteAsync(new CommandDefinition("INSERT INTO nowhere VALUES (1)", transaction: t, cancellationToken: ct));
        }, CancellationToken.None));
        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task A_failed_write_unit_leaves_nothing_behind()
    {
        using var db = new TempDatabase();
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await db.Db.WriteAsync<int>(async (c, t, ct) =>
        {
            await c.ExecuteAsync(new CommandDefinition(Insert, new { id = "half" }, t, cancellationToken: ct));
            throw new InvalidOperationException("crash between the two writes");
        }, CancellationToken.None));
        await using var check = await db.Factory.OpenAsync(CancellationToken.None);
        Assert.Equal(0, await check.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM patients"));
    }
}
