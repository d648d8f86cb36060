using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using static KetamineOutcomes.Api.Tests.Fhir.QuestionnaireResponseJson;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// The 64 KiB body limit counts the body's own bytes, however it is framed (Kestrel, real HTTP): a body of exactly
/// 65,536 bytes is stored whether sent with a Content-Length or chunked (2-byte chunks put 229,376 bytes of framing on
/// the wire), one byte more is a 413 naming the limit — problem+json under /api/v1, an OperationOutcome under /fhir.
/// </summary>
public sealed class BodyFramingLimitTests() : ApiTest(overHttp: true)
{
    private const int Limit = 64 * 1024;

    /// <summary>Chunk size, or 0 for a Content-Length body.</summary>
    public static TheoryData<int, int> Framings => new()
    {
        { 0, Limit }, { 0, Limit + 1 },
        { 2, Limit }, { 2, Limit + 1 },
        { 8 * 1024, Limit }, { 8 * 1024, Limit + 1 },
    };

    // The JSON padded with spaces before its closing brace to exactly `size` bytes.
    private static byte[] Padded(string json, int size)
    {
        var body = json.TrimEnd('}') + new string(' ', size - Encoding.UTF8.GetByteCount(json)) + "}";
        var bytes = Encoding.UTF8.GetBytes(body);
        Assert.Equal(size, bytes.Length);
        return bytes;
    }

    private async Task<(HttpStatusCode Status, string? MediaType, string Body)> PostAsync(string url, byte[] body, int chunkSize, string mediaType)
    {
        using HttpContent content = chunkSize == 0 ? new ByteArrayContent(body) : new ChunkedContent(body, chunkSize, mediaType);
        content.Headers.ContentType = new(mediaType);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        if (chunkSize != 0) request.Headers.TransferEncodingChunked = true;
        using var response = await Client.SendAsync(request);
        return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
    }

    private async Task<int> StoredAsync(string patient) => (await GetOkAsync($"/api/v1/patients/{patient}/questionnaires"))["items"]!.AsArray().Count;

    [Theory]
    [MemberData(nameof(Framings))]
    public async Task An_api_body_is_held_to_64_KiB_of_its_own_bytes_whatever_its_framing(int chunkSize, int size)
    {
        var patient = await CreatePatientAsync();
        var json = new JsonObject { ["instrument"] = "phq9", ["completedAt"] = "2026-03-02T09:00:00Z", ["items"] = new JsonArray(1, 1, 1, 1, 1, 1, 1, 1, 0) };
        var (status, mediaType, answer) = await PostAsync($"/api/v1/patients/{patient}/questionnaires", Padded(json.ToJsonString(), size), chunkSize, "application/json");
        if (size <= Limit)
        {
            Assert.True(status == HttpStatusCode.Created, answer);
            Assert.Equal(1, await StoredAsync(patient));
            return;
        }
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal("application/problem+json", mediaType);
        var problem = JsonNode.Parse(answer)!;
        Assert.Equal(413, (int)problem["status"]!);
        Assert.Contains("64 KiB", (string)problem["detail"]!, StringComparison.Ordinal);
        Assert.Equal(0, await StoredAsync(patient));
        // A chunked body is refused while the endpoint reads it: its audit row records the refusal as answered (a
        // declared Content-Length is refused before authentication, like any request no endpoint saw).
        var audit = (await Admin.GetFromJsonAsync<JsonNode>("/api/v1/audit?action=SubmitQuestionnaire"))!["items"]!.AsArray();
        if (chunkSize == 0) Assert.Empty(audit);
        else Assert.Equal(413, (int)Assert.Single(audit)!["statusCode"]!);
    }

    [Theory]
    [MemberData(nameof(Framings))]
    public async Task A_fhir_body_is_held_to_64_KiB_of_its_own_bytes_whatever_its_framing(int chunkSize, int size)
    {
        var patient = await CreatePatientAsync();
        var json = Phq9(patient, 1, 1, 1, 1, 1, 1, 1, 1, 0).ToJsonString();
        var (status, mediaType, answer) = await PostAsync("/fhir/r4/QuestionnaireResponse", Padded(json, size), chunkSize, "application/fhir+json");
        if (size <= Limit)
        {
            Assert.True(status == HttpStatusCode.Created, answer);
            Assert.Equal(1, await StoredAsync(patient));
            return;
        }
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal("application/fhir+json", mediaType);
        var outcome = JsonNode.Parse(answer)!;
        Assert.Equal("OperationOutcome", (string?)outcome["resourceType"]);
        Assert.Contains("64 KiB", outcome.ToJsonString(), StringComparison.Ordinal);
        Assert.Equal(0, await StoredAsync(patient));
    }
}
