using Dapper;
using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Data.Tests;

/// <summary>
/// WAL checkpoints run on their own thread and connection (issue 24): committed pages reach the database file without
/// the writer copying them, and the WAL is reused from its start rather than growing with every write.
/// </summary>
public class WalCheckpointerTests
{
    private const string Insert = "INSERT INTO patients (id, research_consent, created_at, updated_at) VALUES (@id, 1, 0, 0)";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private static Task<int> InsertPatient(TempDatabase db, string id) =>
        db.Db.WriteAsync((c, t, token) => c.ExecuteAsync(new CommandDefinition(Insert, new { id }, t, cancellationToken: token)), CancellationToken.None).AsTask();

    /// <summary>
    /// Patients in a copy of the database file alone, as if its WAL were lost: what checkpoints have copied. 0 while even
    /// the migrations' tables are only in the WAL, or when the copy caught a checkpoint half-way (it is read again).
    /// </summary>
    private static long PatientsInDatabaseFile(TempDatabase db, string copyDir)
    {
        var copy = Path.Combine(copyDir, $"copy-{Guid.NewGuid():N}.db");
        File.Copy(db.Path, copy);
        using var c = new SqliteConnection($"Data Source={copy};Pooling=False");
        c.Open();
        try
        {
            return c.ExecuteScalar<long>("SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = 'patients'") == 0
                ? 0
                : c.ExecuteScalar<long>("SELECT COUNT(*) FROM patients");
        }
        catch (SqliteException)
        {
            return 0;
        }
    }

    [Fact]
    public async Task A_few_committed_writes_reach_the_database_file_soon_without_waiting_for_a_thousand_WAL_frames()
    {
        using var db = new TempDatabase();
        var copies = Directory.CreateTempSubdirectory("ko-ckpt-").FullName;
        try
        {
            await Task.WhenAll(Enumerable.Range(0, 5).Select(i => InsertPatient(db, $"p{i}")));
            // SQLite's automatic checkpoint would wait for 1,000 frames; five small writes make a handful.
            var deadline = DateTime.UtcNow + Patience;
            long copied;
            while ((copied = PatientsInDatabaseFile(db, copies)) < 5 && DateTime.UtcNow < deadline) await Task.Delay(50);
            Assert.Equal(5, copied);
        }
        finally
        {
            Directory.Delete(copies, recursive: true);
        }
    }

    [Fact]
    public async Task Under_steady_writes_the_WAL_file_is_reused_from_its_start_instead_of_growing()
    {
        using var db = new TempDatabase();
        var copies = Directory.CreateTempSubdirectory("ko-ckpt-").FullName;
        try
        {
            long afterFirstRounds = 0;
            for (var round = 0; round < 12; round++)
            {
                await Task.WhenAll(Enumerable.Range(0, 100).Select(i => InsertPatient(db, $"r{round}-{i}")));
                // Wait for a checkpoint to have copied this round into the database file (however slow the machine), so
                // the next round's first batch may restart the WAL from its start rather than append to it.
                var deadline = DateTime.UtcNow + Patience;
                long copied;
                while ((copied = PatientsInDatabaseFile(db, copies)) < 100 * (round + 1) && DateTime.UtcNow < deadline) await Task.Delay(50);
                Assert.Equal(100 * (round + 1), copied);
                await Task.Delay(100); // the checkpoint marks the WAL reusable just after its last copy
                if (round == 3) afterFirstRounds = new FileInfo(db.Path + "-wal").Length;
            }
            // Twelve rounds appended one after another would make the WAL about three times what four rounds made.
            Assert.True(new FileInfo(db.Path + "-wal").Length < 2 * afterFirstRounds,
                $"WAL grew from {afterFirstRounds} to {new FileInfo(db.Path + "-wal").Length} bytes");
            await using var c = await db.Factory.OpenAsync(CancellationToken.None);
            Assert.Equal(1_200, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM patients"));
        }
        finally
        {
            Directory.Delete(copies, recursive: true);
        }
    }
}
