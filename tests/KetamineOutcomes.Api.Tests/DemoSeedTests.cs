using Dapper;
using KetamineOutcomes.Api.Seeding;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace KetamineOutcomes.Api.Tests;

public class DemoSeedTests() : ApiTest(new() { ["Seed:Demo"] = "true" })
{
    [Fact]
    public async Task Demo_cohort_loads_60_patients_with_every_kind_of_trajectory()
    {
        var patients = new List<string>();
        string? cursor = null;
        do
        {
            var page = await GetOkAsync("/api/v1/patients?limit=25" + (cursor is null ? "" : $"&cursor={cursor}"));
            patients.AddRange(page["items"]!.AsArray().Select(p => (string)p!["id"]!));
            cursor = (string?)page["nextCursor"];
        } while (cursor is not null);
        Assert.Equal(60, patients.Count);

        var statuses = new List<string>();
        var relapses = 0;
        foreach (var id in patients)
        {
            var trend = await GetOkAsync($"/api/v1/patients/{id}/trends");
            statuses.Add((string)trend["status"]!);
            if ((bool)trend["relapse"]!) relapses++;
        }
        Assert.Contains("remission", statuses);
        Assert.Contains("response", statuses);
        Assert.Contains("partial-response", statuses);
        Assert.Contains("non-response", statuses);
        Assert.Contains("not-evaluable", statuses);
        Assert.True(relapses >= 1);

        await using var c = await App.OpenConnectionAsync();
        Assert.True(await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM safety_alerts WHERE trigger = 'phq9-item9'") >= 3);
        Assert.True(await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM safety_alerts WHERE trigger = 'cssrs'") >= 1);
        Assert.True(await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM infusions") >= 360);
    }

    [Fact]
    public async Task Demo_alerts_each_have_their_own_completion_minute_and_were_opened_when_completed()
    {
        var alerts = (await GetOkAsync("/api/v1/safety-alerts?status=all&limit=500"))["items"]!.AsArray();
        Assert.True(alerts.Count >= 50, $"{alerts.Count} demo alerts");
        var minutes = alerts.Select(a => DateTimeOffset.Parse((string)a!["sourceCompletedAt"]!, System.Globalization.CultureInfo.InvariantCulture))
            .Select(t => t.ToUnixTimeSeconds() / 60).ToArray();
        Assert.Equal(minutes.Length, minutes.Distinct().Count());
        // Stored as entered at the visit: the queue shows ages, not one loading minute for all.
        Assert.All(alerts, a => Assert.Equal((string)a!["sourceCompletedAt"]!, (string)a["createdAt"]!));
        Assert.All(alerts, a => Assert.NotEmpty(a!["triggeringAnswers"]!.AsArray()));
    }

    [Fact]
    public async Task Seeding_again_is_a_no_op()
    {
        var seeder = App.Services.GetRequiredService<DemoCohortSeeder>();
        Assert.Equal(0, await seeder.SeedAsync(default));
        await using var c = await App.OpenConnectionAsync();
        Assert.Equal(60, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM patients"));
    }
}
