using System.Net;
using Dapper;
using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Api.Tests;

public class ConcurrencyTests : ApiTest
{
    [Fact]
    public async Task Concurrent_posts_with_one_idempotency_key_create_exactly_one_record()
    {
        var patient = await CreatePatientAsync();
        var body = new { instrument = "phq9", completedAt = Iso(Day0), items = Phq9Items(14, item9: 1) };
        var results = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => PostAsync($"/api/v1/patients/{patient}/questionnaires", body, "same-key")));

        Assert.All(results, r => Assert.True(r.Status is HttpStatusCode.Created or HttpStatusCode.Conflict, $"{(int)r.Status}"));
        var ids = results.Where(r => r.Status == HttpStatusCode.Created).Select(r => (string)r.Body!["id"]!).Distinct().ToArray();
        Assert.Single(ids);
        await using var c = await App.OpenConnectionAsync();
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM questionnaires"));
        Assert.Equal(1, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM safety_alerts"));
    }

    [Fact]
    public async Task Concurrent_infusions_and_questionnaires_all_land_with_consistent_session_numbers()
    {
        var patient = await CreatePatientAsync();
        var infusions = Enumerable.Range(0, 6).Select(i => InfusionAsync(patient, Day0.AddDays(2 * i)));
        var questionnaires = Enumerable.Range(0, 12).Select(i => Phq9Async(patient, Day0.AddDays(i).AddHours(1), Phq9Items(10)));
        await Task.WhenAll(infusions.Concat(questionnaires));

        var trend = await GetOkAsync($"/api/v1/patients/{patient}/trends");
        Assert.Equal([1, 2, 3, 4, 5, 6], trend["infusions"]!.AsArray().Select(i => (int)i!["sessionNumber"]!));
        // Day d, one hour after midnight-aligned infusion days: session = infusions on days 0, 2, 4 … ≤ d.
        Assert.Equal(Enumerable.Range(0, 12).Select(d => Math.Min(6, d / 2 + 1)), trend["points"]!.AsArray().Select(p => (int)p!["timepoint"]!["sessionNumber"]!));
    }
}
