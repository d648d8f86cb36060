using System.Net;
using Dapper;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// SPEC v2, Corrections: of concurrent corrections of one record made against the same version, exactly one wins and
/// the others answer 412; the history gains one version. With group commit (one writer, units in one transaction) and,
/// in <see cref="CorrectionConcurrencyWithoutGroupCommitTests"/>, without it; on PostgreSQL with KO_TEST_POSTGRES.
/// </summary>
public class CorrectionConcurrencyTests : CorrectionTest
{
    public CorrectionConcurrencyTests() { }

    protected CorrectionConcurrencyTests(Dictionary<string, string?> settings) : base(settings) { }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Concurrent_puts_with_one_if_match_one_answers_200_and_the_others_412(string kind)
    {
        for (var round = 0; round < 4; round++)
        {
            var k = await CreateAsync(kind);
            var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => SendAsync(HttpMethod.Put, k.Url, k.Amendment, "W/\"1\"")));
            Assert.Equal([HttpStatusCode.OK, HttpStatusCode.PreconditionFailed, HttpStatusCode.PreconditionFailed],
                results.Select(r => r.Status).Order());
            Assert.Equal(2, (int)(await GetOkAsync(k.Url))["version"]!);
            Assert.Equal(2, (await HistoryAsync(k.Url)).Count);
        }
        await using var c = await App.OpenConnectionAsync();
        Assert.Equal(4, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM record_versions"));
    }

    [Theory]
    [MemberData(nameof(Assessments))]
    public async Task Concurrent_entered_in_error_markings_without_if_match_one_answers_200_and_the_others_409(string kind)
    {
        var k = await CreateAsync(kind);
        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => SendAsync(HttpMethod.Post, k.Url + "/entered-in-error", new { reason = "Wrong patient" }, null)));
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict, HttpStatusCode.Conflict], results.Select(r => r.Status).Order());
        Assert.Equal(2, (await HistoryAsync(k.Url)).Count);
    }
}

public sealed class CorrectionConcurrencyWithoutGroupCommitTests() : CorrectionConcurrencyTests(new() { ["Storage:GroupCommit"] = "false" });
