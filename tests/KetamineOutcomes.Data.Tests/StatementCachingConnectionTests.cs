using Dapper;
using KetamineOutcomes.Data.Infrastructure;
using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Data.Tests;

public class StatementCachingConnectionTests
{
    private const string Insert = "INSERT INTO patients (id, mrn, research_consent, created_at, updated_at) VALUES (@id, @mrn, 1, 0, 0)";
    private const string ById = "SELECT mrn FROM patients WHERE id = @id";

    private static async Task<StatementCachingConnection> OpenAsync(TempDatabase db) =>
        new((SqliteConnection)await db.Factory.OpenAsync(CancellationToken.None));

    [Fact]
    public async Task A_reused_statement_binds_each_call_s_own_parameters()
    {
        using var db = new TempDatabase(groupCommit: false);
        await using var c = await OpenAsync(db);
        for (var i = 0; i < 50; i++) await c.ExecuteAsync(Insert, new { id = $"p{i}", mrn = $"MRN-{i}" });
        for (var i = 0; i < 50; i++) Assert.Equal($"MRN-{i}", await c.QuerySingleAsync<string>(ById, new { id = $"p{i}" }));
        // A call without a parameter the previous call had must not see the old value.
        await Assert.ThrowsAnyAsync<Exception>(() => c.QuerySingleAsync<string>(ById, new { other = 1 }));
    }

    [Fact]
    public async Task Dapper_list_expansion_rewriting_the_text_after_adding_parameters_keeps_them()
    {
        using var db = new TempDatabase(groupCommit: false);
        await using var c = await OpenAsync(db);
        for (var i = 0; i < 5; i++) await c.ExecuteAsync(Insert, new { id = $"p{i}", mrn = $"MRN-{i}" });
        for (var round = 0; round < 3; round++)
        {
            Assert.Equal(["MRN-1", "MRN-3"], await c.QueryAsync<string>("SELECT mrn FROM patients WHERE id IN @ids ORDER BY id", new { ids = new[] { "p1", "p3" } }));
            Assert.Equal(["MRN-0", "MRN-2", "MRN-4"], await c.QueryAsync<string>("SELECT mrn FROM patients WHERE id IN @ids ORDER BY id", new { ids = new[] { "p0", "p2", "p4" } }));
        }
    }

    [Fact]
    public async Task The_same_text_runs_while_a_reader_of_it_is_still_open()
    {
        using var db = new TempDatabase(groupCommit: false);
        await using var c = await OpenAsync(db);
        for (var i = 0; i < 3; i++) await c.ExecuteAsync(Insert, new { id = $"p{i}", mrn = $"MRN-{i}" });
        const string all = "SELECT id FROM patients ORDER BY id";
        var outer = new List<string>();
        var inner = new List<int>();
        await foreach (var id in c.QueryUnbufferedAsync<string>(all))
        {
            outer.Add(id);
            inner.Add((await c.QueryAsync<string>(all)).Count());
        }
        Assert.Equal(["p0", "p1", "p2"], outer);
        Assert.All(inner, n => Assert.Equal(3, n));
    }

    [Fact]
    public async Task A_transaction_given_before_the_text_is_used_and_its_rollback_undoes_the_write()
    {
        using var db = new TempDatabase(groupCommit: false);
        await using var c = await OpenAsync(db);
        await using (var tx = c.Inner.BeginTransaction())
        {
            await c.ExecuteAsync(Insert, new { id = "rolled-back", mrn = "X" }, tx); // Dapper sets the transaction first
            await tx.RollbackAsync();
        }
        await using (var tx = c.Inner.BeginTransaction())
        {
            await c.ExecuteAsync(Insert, new { id = "kept", mrn = "Y" }, tx);
            await tx.CommitAsync();
        }
        Assert.Equal(["kept"], await c.QueryAsync<string>("SELECT id FROM patients"));
    }

    [Fact]
    public async Task More_distinct_texts_than_the_cache_holds_still_all_run()
    {
        using var db = new TempDatabase(groupCommit: false);
        await using var c = await OpenAsync(db);
        for (var i = 0; i < 300; i++) Assert.Equal(i, await c.ExecuteScalarAsync<long>($"SELECT {i}"));
    }

    [Fact]
    public async Task The_hand_read_lookups_give_their_cached_statement_back_when_done()
    {
        // Dapper's wrapped reader leaves its command undisposed on DisposeAsync: a lookup that disposed it that way kept
        // its statement rented for ever, so every later call compiled a fresh one and left it to the finalizer.
        using var db = new TempDatabase(groupCommit: false);
        await using var c = await OpenAsync(db);
        for (var i = 0; i < 3; i++)
        {
            Assert.Null(await KetamineOutcomes.Data.Stores.ApiKeyStore.FindActiveByHashAsync(c, new byte[32], CancellationToken.None));
            Assert.Empty((await KetamineOutcomes.Data.Stores.InfusionStore.TimelineForPatientAsync(c, Guid.NewGuid(), CancellationToken.None)).Ordered);
            Assert.Empty(await KetamineOutcomes.Data.Stores.QuestionnaireStore.ScoresForPatientAsync(c, Guid.NewGuid(), KetamineOutcomes.Core.Instruments.Instrument.Phq9, CancellationToken.None));
            Assert.Equal(0, c.StatementsInUse);
        }
    }
}
