using System.Net;
using Dapper;
using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Api.Tests;

public class SafetyAlertTransactionTests : ApiTest
{
    [Theory]
    [InlineData(0, null)]
    [InlineData(1, "low")]
    [InlineData(2, "moderate")]
    [InlineData(3, "high")]
    public async Task Phq9_item9_creates_an_alert_of_its_level(int item9, string? level)
    {
        var patient = await CreatePatientAsync();
        var q = await Phq9Async(patient, Day0, Phq9Items(12, item9));
        Assert.Equal(level, (string?)q["alert"]?["level"]);
        if (level is not null)
        {
            Assert.Equal("phq9-item9", (string)q["alert"]!["trigger"]!);
            Assert.Equal("open", (string)q["alert"]!["status"]!);
        }
        await using var c = await App.OpenConnectionAsync();
        Assert.Equal(level is null ? 0 : 1, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM safety_alerts"));
    }

    [Fact]
    public async Task Alert_failure_rolls_back_the_submission_so_neither_exists_without_the_other()
    {
        var patient = await CreatePatientAsync();
        // Simulate the process failing between "questionnaire stored" and "alert stored".
        await App.Store.FailInsertsIntoAsync("safety_alerts");
        var (status, _, _) = await PostAsync($"/api/v1/patients/{patient}/questionnaires",
            new { instrument = "phq9", completedAt = Iso(Day0), items = Phq9Items(15, item9: 3) });
        Assert.Equal(HttpStatusCode.InternalServerError, status);

        await using var check = await App.OpenConnectionAsync();
        Assert.Equal(0, await check.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM questionnaires"));
        Assert.Equal(0, await check.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM safety_alerts"));

        // A submission that raises no alert is unaffected.
        await Phq9Async(patient, Day0, Phq9Items(15, item9: 0));
    }

    [Fact]
    public async Task Checkin_without_risk_raises_no_alert_and_with_high_risk_raises_a_high_alert()
    {
        var patient = await CreatePatientAsync();
        var none = await CreatedAsync($"/api/v1/patients/{patient}/suicidality-checkins", new { completedAt = Iso(Day0), wishToBeDead = false, suicidalThoughts = false, suicidalBehavior = "none" });
        Assert.Null(none["alert"]);
        var high = await CreatedAsync($"/api/v1/patients/{patient}/suicidality-checkins", new { completedAt = Iso(Day0), wishToBeDead = false, suicidalThoughts = false, suicidalBehavior = "within-3-months" });
        Assert.Equal("high", (string)high["riskLevel"]!);
        Assert.Equal("high", (string)high["alert"]!["level"]!);
        var listed = await GetOkAsync($"/api/v1/patients/{patient}/suicidality-checkins");
        Assert.Equal([null, "high"], listed["items"]!.AsArray().Select(i => (string?)i!["alert"]?["level"]));
    }
}
