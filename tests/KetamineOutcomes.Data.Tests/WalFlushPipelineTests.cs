using Dapper;
using KetamineOutcomes.Data.Infrastructure;

namespace KetamineOutcomes.Data.Tests;

/// <summary>
/// Group commit's pipelined durability: the writer commits without flushing and moves on; a second thread flushes
/// the WAL; nothing is acknowledged, and no read answers, before the flush that covers it.
/// </summary>
public class WalFlushPipelineTests
{
    private const string Insert = "INSERT INTO patients (id, research_consent, created_at, updated_at) VALUES (@id, 1, 0, 0)";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static Task<int> InsertPatient(Database db, string id) =>
        db.WriteAsync((c, t, token) => c.ExecuteAsync(new CommandDefinition(Insert, new { id }, t, cancellationToken: token)), CancellationToken.None).AsTask();

    private static Task<long> CountPatients(DbRead read) =>
        read((c, t) => c.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM patients", cancellationToken: t)), CancellationToken.None).AsTask();

    private delegate ValueTask<long> DbRead(Func<System.Data.Common.DbConnection, CancellationToken, Task<long>> work, CancellationToken ct);

    /// <summary>A stand-in flush that holds the sync thread until released, then does the real fsync.</summary>
    private sealed class GatedFlush : IDisposable
    {
        private readonly ManualResetEventSlim _open = new(false);
        public List<string> Paths { get; } = [];
        public SemaphoreSlim Started { get; } = new(0);

        public void Flush(string path)
        {
            lock (Paths) Paths.Add(path);
            Started.Release();
            _open.Wait();
            GroupCommitWriter.FlushToDisk(path);
        }

        public void Open() => _open.Set();
        public void Dispose() => _open.Set(); // never leave the sync thread parked
    }

    /// <summary>Waits until a plain connection (no durability wait) sees <paramref name="id"/>: its batch has committed.</summary>
    private static async Task WaitCommitted(TempDatabase db, string id)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            await using var c = await db.Factory.OpenAsync(CancellationToken.None);
            if (await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM patients WHERE id = @id", new { id }) == 1) return;
            await Task.Delay(5);
        }
        throw new TimeoutException($"{id} was never committed");
    }

    [Fact]
    public async Task A_committed_write_is_acknowledged_only_after_the_flush_of_the_WAL_file()
    {
        using var gate = new GatedFlush();
        using var db = new TempDatabase(flushFile: gate.Flush);

        var write = InsertPatient(db.Db, "a");
        await WaitCommitted(db, "a");
        Assert.True(await gate.Started.WaitAsync(Patience));
        await Task.Delay(50);
        Assert.False(write.IsCompleted); // committed, visible to a raw connection, but not yet on disk: no acknowledgement

        gate.Open();
        Assert.Equal(1, await write.WaitAsync(Patience));
        Assert.Equal([db.Path + "-wal"], gate.Paths.Distinct());
        Assert.True(File.Exists(db.Path + "-wal"));
    }

    [Fact]
    public async Task The_writer_commits_the_next_batch_while_the_previous_flush_is_still_running()
    {
        using var gate = new GatedFlush();
        using var db = new TempDatabase(flushFile: gate.Flush);

        var first = InsertPatient(db.Db, "first");
        Assert.True(await gate.Started.WaitAsync(Patience)); // the sync thread is parked in the first batch's flush
        var second = InsertPatient(db.Db, "second");
        await WaitCommitted(db, "second");                    // the writer did not wait for it
        Assert.False(first.IsCompleted);
        Assert.False(second.IsCompleted);

        gate.Open();
        await Task.WhenAll(first, second).WaitAsync(Patience);
        Assert.Equal(2, gate.Paths.Count); // the second flush covers the second batch
    }

    [Fact]
    public async Task A_read_that_may_have_seen_an_unflushed_write_answers_only_after_the_flush()
    {
        using var gate = new GatedFlush();
        using var db = new TempDatabase(flushFile: gate.Flush);
        var write = InsertPatient(db.Db, "a");
        await WaitCommitted(db, "a");

        var settled = CountPatients(db.Db.ReadAsync);
        var unsettled = CountPatients(db.Db.ReadUnsettledAsync);
        Assert.Equal(1, await unsettled.WaitAsync(Patience)); // the unsettled read sees the row at once
        var research = db.Db.DurableAsync(CancellationToken.None);
        await Task.Delay(50);
        Assert.False(settled.IsCompleted);
        Assert.False(research.IsCompleted);

        gate.Open();
        Assert.Equal(1, await settled.WaitAsync(Patience));
        await research.WaitAsync(Patience);
        await write;
    }

    [Fact]
    public async Task While_the_answer_is_held_a_read_does_not_wait_and_the_audit_row_after_it_carries_the_flush()
    {
        using var gate = new GatedFlush();
        using var db = new TempDatabase(flushFile: gate.Flush);
        var write = InsertPatient(db.Db, "a");
        await WaitCommitted(db, "a");

        Task<int> audit;
        using (Database.HoldAnswerUntilDurable())
        {
            Assert.Equal(1, await CountPatients(db.Db.ReadAsync).WaitAsync(Patience)); // no wait of its own
            audit = db.Db.AppendAsync(new AppendStatement(
                "INSERT INTO audit_events (at, action, status_code, outcome, request_id) VALUES (@at, @action, @status, @outcome, @request)",
                "at", "action", "status", "outcome", "request"), [[1L, "GetTrend", 200, "success", "r1"]], default);
        }
        await Task.Delay(50);
        Assert.False(audit.IsCompleted); // the answer waits for this, and it waits for a flush that covers "a"

        gate.Open();
        await Task.WhenAll(audit, write).WaitAsync(Patience);
        Assert.True(db.Db.DurableAsync(CancellationToken.None).IsCompleted);
    }

    [Fact]
    public async Task A_held_answer_waits_only_for_reads_its_own_acknowledged_writes_do_not_cover()
    {
        var open = new ManualResetEventSlim(true);
        using var db = new TempDatabase(flushFile: path => { open.Wait(); GroupCommitWriter.FlushToDisk(path); });
        try
        {
            using var hold = Database.HoldAnswerUntilDurable();
            Assert.Equal(0, await CountPatients(db.Db.ReadAsync));
            await InsertPatient(db.Db, "a");                     // acknowledged after a flush covering the read before it
            Assert.True(db.Db.DurableAsync(hold, CancellationToken.None).IsCompletedSuccessfully);

            open.Reset();
            Task<int> other;
            using (ExecutionContext.SuppressFlow()) other = Task.Run(() => InsertPatient(db.Db, "b")); // another caller
            await WaitCommitted(db, "b");
            Assert.Equal(2, await CountPatients(db.Db.ReadAsync).WaitAsync(Patience)); // sees "b" before its flush
            var durable = db.Db.DurableAsync(hold, CancellationToken.None);
            await Task.Delay(50);
            Assert.False(durable.IsCompleted);

            open.Set();
            await durable.WaitAsync(Patience);
            await other;
        }
        finally
        {
            open.Set();
        }
    }

    [Fact]
    public async Task With_no_write_in_flight_a_read_does_not_wait()
    {
        using var gate = new GatedFlush();
        using var db = new TempDatabase(flushFile: gate.Flush);
        gate.Open();
        await InsertPatient(db.Db, "a");

        Assert.True(db.Db.DurableAsync(CancellationToken.None).IsCompletedSuccessfully);
        Assert.Equal(1, await CountPatients(db.Db.ReadAsync));
    }

    [Fact]
    public async Task A_failed_flush_fails_the_writes_it_covered_and_stops_the_writer_and_settled_reads()
    {
        var fail = true;
        using var db = new TempDatabase(flushFile: path =>
        {
            if (fail) throw new IOException("EIO");
            GroupCommitWriter.FlushToDisk(path);
        });

        var e = await Assert.ThrowsAsync<CommitOutcomeUnknownException>(() => InsertPatient(db.Db, "a"));
        Assert.IsType<IOException>(e.InnerException);
        fail = false; // a later flush that succeeds must not be trusted: the kernel may have dropped the failed pages
        await Assert.ThrowsAsync<CommitOutcomeUnknownException>(() => InsertPatient(db.Db, "b"));
        await Assert.ThrowsAsync<CommitOutcomeUnknownException>(() => CountPatients(db.Db.ReadAsync));
    }

    [Fact]
    public async Task In_rollback_journal_mode_the_writer_leaves_syncing_to_SQLite_and_flushes_nothing_itself()
    {
        var flushed = 0;
        using var db = new TempDatabase(journalMode: "DELETE", flushFile: _ => Interlocked.Increment(ref flushed));

        Assert.Equal(1, await InsertPatient(db.Db, "a"));
        Assert.Equal(1, await CountPatients(db.Db.ReadAsync));
        Assert.Equal(0, flushed);
        Assert.False(File.Exists(db.Path + "-wal"));
    }
}
