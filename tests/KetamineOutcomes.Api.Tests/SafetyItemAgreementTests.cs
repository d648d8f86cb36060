using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// One rule says which answer is PHQ-9 item 9 and what it raises (Core: <c>QuestionnaireScoring.Phq9Item9</c>,
/// <c>SafetyAlertRules.ForPhq9Item9</c>): the submission's own alert, the queue card and the card read back from the
/// raising version after an amendment agree for every item-9 value 0–3, so a copy of the rule drifting in one reader shows.
/// </summary>
public sealed class SafetyItemAgreementTests : ApiTest
{
    private static readonly string?[] Levels = [null, "low", "moderate", "high"];

    private async Task<JsonArray> QueueAsync() =>
        (await Client.GetFromJsonAsync<JsonNode>("/api/v1/safety-alerts?status=all"))!["items"]!.AsArray();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task The_record_the_queue_and_the_card_after_an_amendment_agree_on_item_9(int item9)
    {
        var patient = await CreatePatientAsync();
        var record = await Phq9Async(patient, Day0, Phq9Items(12, item9));
        Assert.Equal(item9, (int)record["items"]![8]!);
        Assert.Equal(Levels[item9], (string?)record["alert"]?["level"]);
        if (item9 == 0)
        {
            Assert.Empty(await QueueAsync());
            return;
        }
        AssertCard(Assert.Single(await QueueAsync())!, item9, (string)record["alert"]!["id"]!);

        // Amended to 0, the card still reads the version that raised it — the path that reads the stored body.
        using var amend = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/patients/{patient}/questionnaires/{record["id"]}")
        {
            Content = JsonContent.Create(new { instrument = "phq9", completedAt = Iso(Day0), items = Phq9Items(12, 0), reason = "Item 9 re-asked" }),
        };
        amend.Headers.TryAddWithoutValidation("If-Match", "W/\"1\"");
        using var amended = await Client.SendAsync(amend);
        Assert.Equal(HttpStatusCode.OK, amended.StatusCode);
        var card = Assert.Single(await QueueAsync())!;
        Assert.Equal("amended", (string?)card["sourceStatus"]);
        AssertCard(card, item9, (string)record["alert"]!["id"]!);
    }

    private static void AssertCard(JsonNode card, int item9, string alertId)
    {
        Assert.Equal(alertId, (string?)card["id"]);
        Assert.Equal(Levels[item9], (string?)card["level"]);
        Assert.Equal("phq9-item9", (string?)card["trigger"]);
        var answer = Assert.Single(card["triggeringAnswers"]!.AsArray())!;
        Assert.Equal("items[8]", (string?)answer["field"]);
        Assert.Equal(item9, (int?)answer["score"]);
    }
}
