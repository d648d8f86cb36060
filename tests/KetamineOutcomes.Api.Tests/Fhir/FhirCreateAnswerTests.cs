using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using static KetamineOutcomes.Api.Tests.Fhir.QuestionnaireResponseJson;

namespace KetamineOutcomes.Api.Tests.Fhir;

/// <summary>
/// The answer to a FHIR create is built before the write (issue 24: off the single writer), from the records the write then
/// stores: it must be what reading the stored resource back gives, and a write that fails must leave neither the records
/// nor the prepared answer behind.
/// </summary>
public sealed class FhirCreateAnswerTests : ApiTest
{
    private async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> PostAsync(JsonObject qr, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/fhir/r4/QuestionnaireResponse")
        {
            Content = new StringContent(qr.ToJsonString(), Encoding.UTF8, "application/fhir+json"),
        };
        if (key is not null) request.Headers.Add("Idempotency-Key", key);
        var response = await Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var c = await App.OpenConnectionAsync();
        return await c.ExecuteScalarAsync<long>(sql);
    }

    [Fact]
    public async Task The_201_body_is_the_resource_a_read_of_its_location_returns_and_its_lastUpdated_is_the_stored_creation_time()
    {
        var patient = await CreatePatientAsync();
        var (status, body, response) = await PostAsync(Phq9(patient, 2, 2, 1, 2, 1, 1, 2, 1, 1));
        Assert.Equal(HttpStatusCode.Created, status);

        using var read = await Client.GetAsync(response.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        var created = JsonNode.Parse(body)!;
        Assert.True(JsonNode.DeepEquals(created, JsonNode.Parse(await read.Content.ReadAsStringAsync())),
            $"201 body {body} differs from the read");

        var stored = await GetOkAsync($"/api/v1/patients/{patient}/questionnaires/{created["id"]}");
        Assert.Equal(DateTimeOffset.Parse((string)stored["createdAt"]!, System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.Parse((string)created["meta"]!["lastUpdated"]!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("1", (string)created["meta"]!["versionId"]!);
        Assert.Equal((string)created["meta"]!["versionId"]!, read.Headers.ETag!.Tag.Trim('"'));
        // The create's own ETag is the read's (R4 http.html#create), and a replay of the same create sends it again.
        Assert.Equal(read.Headers.ETag, response.Headers.ETag);
    }

    [Fact]
    public async Task A_create_whose_write_fails_after_its_answer_was_built_stores_nothing_answers_no_201_and_frees_its_key()
    {
        var patient = await CreatePatientAsync();
        await App.Store.FailInsertsIntoAsync("questionnaires");
        var failed = await PostAsync(Phq9(patient, 3, 3, 3, 3, 3, 3, 3, 3, 2), key: "fails-once");
        Assert.Equal(HttpStatusCode.InternalServerError, failed.Status);
        Assert.Equal(0, await CountAsync("SELECT (SELECT COUNT(*) FROM questionnaires) + (SELECT COUNT(*) FROM safety_alerts) + (SELECT COUNT(*) FROM outbox_events)"));

        // The answer built for the failed write was not kept under its key: the retry is a new create with new ids.
        await App.Store.RestoreInsertsIntoAsync("questionnaires");
        var retried = await PostAsync(Phq9(patient, 3, 3, 3, 3, 3, 3, 3, 3, 2), key: "fails-once");
        Assert.Equal(HttpStatusCode.Created, retried.Status);
        Assert.False(retried.Response.Headers.Contains("Idempotent-Replayed"), "the retry is not a replay");
        var id = (string)JsonNode.Parse(retried.Body)!["id"]!;
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM questionnaires"));
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync($"/fhir/r4/QuestionnaireResponse/{id}")).StatusCode);
    }
}
