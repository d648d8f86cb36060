using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using static KetamineOutcomes.Api.Tests.Fhir.QuestionnaireResponseJson;

namespace KetamineOutcomes.Api.Tests.Fhir;

/// <summary>
/// The Idempotency-Key of a FHIR create (issue 24): "the same body" is the same JSON whatever its whitespace, property
/// order or string escapes; anything else under the same key is refused with 422; a replay answers the first answer's bytes.
/// </summary>
public sealed class FhirCreateIdempotencyTests : ApiTest
{
    private async Task<(HttpStatusCode Status, byte[] Body, HttpResponseMessage Response)> PostAsync(byte[] body, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/fhir/r4/QuestionnaireResponse") { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/fhir+json");
        request.Headers.Add("Idempotency-Key", key);
        var response = await Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsByteArrayAsync(), response);
    }

    private Task<(HttpStatusCode Status, byte[] Body, HttpResponseMessage Response)> PostAsync(string body, string key) => PostAsync(Encoding.UTF8.GetBytes(body), key);

    private async Task<int> StoredAsync(string patient) =>
        (await GetOkAsync($"/api/v1/patients/{patient}/questionnaires"))["items"]!.AsArray().Count
        + (await GetOkAsync($"/api/v1/patients/{patient}/suicidality-checkins"))["items"]!.AsArray().Count;

    /// <summary>The same JSON with every object's properties in reverse order.</summary>
    private static JsonNode? Reversed(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Reverse().Select(p => KeyValuePair.Create(p.Key, Reversed(p.Value)))),
        JsonArray a => new JsonArray(a.Select(Reversed).ToArray()),
        _ => node?.DeepClone(),
    };

    private static void Replayed(HttpStatusCode status, HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.True(response.Headers.Contains("Idempotent-Replayed"), "the second answer is a replay");
    }

    [Fact]
    public async Task A_replay_answers_the_first_answers_bytes_location_and_media_type()
    {
        var patient = await CreatePatientAsync();
        var body = Phq9(patient, 2, 2, 1, 2, 1, 1, 2, 1, 1).ToJsonString();
        var first = await PostAsync(body, "bytes-1");
        var second = await PostAsync(body, "bytes-1");
        Assert.Equal(HttpStatusCode.Created, first.Status);
        Replayed(second.Status, second.Response);
        Assert.Equal(first.Body, second.Body);
        Assert.Equal(first.Response.Headers.Location, second.Response.Headers.Location);
        Assert.Equal(first.Response.Content.Headers.ContentType?.ToString(), second.Response.Content.Headers.ContentType?.ToString());
        Assert.Equal(first.Body.Length, first.Response.Content.Headers.ContentLength);
        Assert.Equal(1, await StoredAsync(patient));
    }

    [Fact]
    public async Task A_replayed_intake_form_answers_the_same_transaction_response_bundle_bytes()
    {
        var patient = await CreatePatientAsync();
        var body = Response(patient, "https://clinic.example/Questionnaire/intake",
        [
            Group("phq9", Phq9Answers([1, 1, 1, 1, 1, 1, 1, 1, 0])),
            Group("cssrs", CssrsItems(q1: false, q2: false, q3: false, q4: false, q5: false, q6: false, recent: false)),
        ]).ToJsonString();
        var first = await PostAsync(body, "bundle-1");
        var second = await PostAsync(body, "bundle-1");
        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Contains("\"transaction-response\"", Encoding.UTF8.GetString(first.Body), StringComparison.Ordinal);
        Replayed(second.Status, second.Response);
        Assert.Equal(first.Body, second.Body);
        Assert.Equal(2, await StoredAsync(patient));
    }

    [Fact]
    public async Task The_same_JSON_reformatted_reordered_and_escaped_replays_the_first_answer()
    {
        var patient = await CreatePatientAsync();
        var qr = Phq9(patient, 1, 0, 1, 0, 1, 0, 1, 0, 0);
        var first = await PostAsync(qr.ToJsonString(), "format-1");
        var other = Reversed(qr)!.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true })
            .Replace("\"completed\"", "\"\\u0063ompleted\"", StringComparison.Ordinal);
        Assert.Contains("\\u0063ompleted", other, StringComparison.Ordinal);
        var second = await PostAsync(other, "format-1");
        Assert.Equal(HttpStatusCode.Created, first.Status);
        Replayed(second.Status, second.Response);
        Assert.Equal(first.Body, second.Body);
        Assert.Equal(1, await StoredAsync(patient));
    }

    [Fact]
    public async Task A_body_with_a_byte_order_mark_is_the_same_request_as_without_one()
    {
        var patient = await CreatePatientAsync();
        var body = Encoding.UTF8.GetBytes(Phq9(patient, 0, 0, 0, 0, 0, 0, 0, 0, 0).ToJsonString());
        var first = await PostAsync([.. Encoding.UTF8.Preamble, .. body], "bom-1");
        var second = await PostAsync(body, "bom-1");
        Assert.Equal(HttpStatusCode.Created, first.Status);
        Replayed(second.Status, second.Response);
        Assert.Equal(first.Body, second.Body);
        Assert.Equal(1, await StoredAsync(patient));
    }

    [Fact]
    public async Task The_same_key_with_one_answer_changed_is_refused_with_422_and_stores_nothing_new()
    {
        var patient = await CreatePatientAsync();
        var first = await PostAsync(Phq9(patient, 2, 2, 2, 2, 2, 2, 2, 2, 0).ToJsonString(), "changed-1");
        var second = await PostAsync(Phq9(patient, 2, 2, 2, 2, 2, 2, 2, 2, 1).ToJsonString(), "changed-1");
        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, second.Status);
        Assert.Contains("\"OperationOutcome\"", Encoding.UTF8.GetString(second.Body), StringComparison.Ordinal);
        Assert.Equal(1, await StoredAsync(patient));
        Assert.Empty((await GetOkAsync($"/api/v1/safety-alerts?status=all"))["items"]!.AsArray());
    }

    [Fact]
    public async Task A_number_written_otherwise_under_the_same_key_is_another_body_and_refused_with_422()
    {
        var patient = await CreatePatientAsync();
        var body = Phq9(patient, 1, 1, 1, 1, 1, 1, 1, 1, 0)
            .Also(qr => qr["item"]![0]!["answer"] = new JsonArray(new JsonObject { ["valueDecimal"] = 2 })).ToJsonString();
        var otherwise = body.Replace("\"valueDecimal\":2}", "\"valueDecimal\":2.0}", StringComparison.Ordinal);
        Assert.NotEqual(body, otherwise);
        var first = await PostAsync(body, "number-1");
        var second = await PostAsync(otherwise, "number-1");
        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, second.Status);
        Assert.Equal(1, await StoredAsync(patient));
    }
}
