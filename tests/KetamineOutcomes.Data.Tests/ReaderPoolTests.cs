using Dapper;

namespace KetamineOutcomes.Data.Tests;

/// <summary>SQLite reads run on pooled connections that keep their compiled statements between reads.</summary>
public class ReaderPoolTests
{
    private static Task<long> CountPatients(TempDatabase db) =>
        db.Db.ReadAsync((c, t) => c.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM patients", cancellationToken: t)), CancellationToken.None).AsTask();

    private static async Task InsertElsewhere(TempDatabase db, string id)
    {
        // Another connection than the service's: the pooled reader must still see it on its next read.
        await using var c = await db.Factory.OpenAsync(CancellationToken.None);
        await c.ExecuteAsync("INSERT INTO patients (id, research_consent, created_at, updated_at) VALUES (@id, 1, 0, 0)", new { id });
    }

    [Fact]
    public async Task A_reused_reader_sees_every_write_committed_since_its_last_read()
    {
        using var db = new TempDatabase();
        for (var i = 1; i <= 5; i++)
        {
            await InsertElsewhere(db, $"p{i}");
            Assert.Equal(i, await CountPatients(db));
        }
    }

    [Fact]
    public async Task An_idle_pooled_reader_holds_no_snapshot_that_would_stop_a_checkpoint()
    {
        using var db = new TempDatabase();
        await InsertElsewhere(db, "a");
        Assert.Equal(1, await CountPatients(db));
        await db.Db.ReadAsync(async (c, t) => (await c.QueryAsync<string>(new CommandDefinition("SELECT id FROM patients", cancellationToken: t))).ToList(), CancellationToken.None);

        await using var c = await db.Factory.OpenAsync(CancellationToken.None);
        // busy = 0: no connection holds a read transaction, so the whole WAL could be copied back and truncated.
        var (busy, _, _) = await c.QuerySingleAsync<(long, long, long)>("PRAGMA wal_checkpoint(TRUNCATE)");
        Assert.Equal(0, busy);
    }

    [Fact]
    public async Task A_read_that_throws_leaves_later_reads_working()
    {
        using var db = new TempDatabase();
        await Assert.ThrowsAnyAsync<Exception>(async () => await db.Db.ReadAsync(
            (c, t) => c.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM no_such_table", cancellationToken: t)), CancellationToken.None));
        await InsertElsewhere(db, "a");
        Assert.Equal(1, await CountPatients(db));
    }
}
