using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using KetamineOutcomes.Api.Infrastructure;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// A JSON body on /api/v1 is UTF-8 application/json or a 415 problem naming what was sent (<see cref="JsonBodyMediaType"/>):
/// an unknown charset answered 500 and Latin-1 or UTF-16 bodies were transcoded silently; a +json type was read as JSON.
/// </summary>
public class JsonBodyMediaTypeTests : ApiTest
{
    private const string Phq9 = """{"instrument":"phq9","completedAt":"2026-03-02T09:00:00Z","items":[1,1,1,1,1,1,1,1,3]}""";

    [Theory]
    [InlineData("application/json")]
    [InlineData("application/json; charset=utf-8")]
    [InlineData("application/json; charset=UTF-8")]
    [InlineData("application/json; charset=\"utf-8\"")]
    [InlineData("Application/JSON;charset=utf-8")]
    public async Task Utf8_application_json_in_any_legal_spelling_is_read(string contentType)
    {
        var patient = await CreatePatientAsync();
        var (status, body) = await PostAsync($"/api/v1/patients/{patient}/questionnaires", Phq9, contentType);
        Assert.True(status == HttpStatusCode.Created, body);
    }

    [Theory]
    [InlineData("application/json; charset=bogus", "charset")]
    [InlineData("application/json; charset=utf-7", "charset")]
    [InlineData("application/json; charset=\"\"", "charset")]
    [InlineData("application/json; charset=iso-8859-1", "charset")]
    [InlineData("application/json; charset=utf-16", "charset")]
    [InlineData("application/json; charset=utf8", "charset")]
    [InlineData("application/json; version=2", "version")]
    [InlineData("application/merge-patch+json", "application/merge-patch+json")]
    [InlineData("application/vnd.api+json", "application/vnd.api+json")]
    [InlineData("text/json", "text/json")]
    [InlineData("application/json; charset=utf-8; charset=utf-8", "charset twice")]
    public async Task Another_charset_parameter_or_json_type_is_a_415_problem_naming_it_and_nothing_is_stored(string contentType, string named)
    {
        var patient = await CreatePatientAsync();
        foreach (var (path, body) in new[]
        {
            ($"/api/v1/patients/{patient}/questionnaires", Phq9),
            ($"/api/v1/patients/{patient}/suicidality-checkins",
                """{"completedAt":"2026-03-02T09:00:00Z","wishToBeDead":true,"suicidalThoughts":false,"suicidalBehavior":"none"}"""),
            ($"/api/v1/patients/{patient}/infusions",
                """{"administeredAt":"2026-03-01T09:00:00Z","route":"iv","drug":"ketamine","doseMgPerKg":0.5,"durationMinutes":40}"""),
            ("/api/v1/patients", """{"mrn":"MT-1","siteId":"north","birthYear":1980,"sex":"female","diagnoses":["trd"],"researchConsent":true}"""),
        })
        {
            var (status, text) = await PostAsync(path, body, contentType);
            Assert.True(status == HttpStatusCode.UnsupportedMediaType, $"{path}: {(int)status} {text}");
            var problem = JsonNode.Parse(text)!;
            Assert.Equal(415, (int)problem["status"]!);
            Assert.Contains(named, (string)problem["detail"]!, StringComparison.Ordinal);
        }
        Assert.Empty((await GetOkAsync($"/api/v1/patients/{patient}/questionnaires"))["items"]!.AsArray());
        Assert.Empty((await GetOkAsync($"/api/v1/patients/{patient}/suicidality-checkins"))["items"]!.AsArray());
        Assert.Empty((await GetOkAsync($"/api/v1/patients/{patient}/infusions"))["items"]!.AsArray());
        Assert.Empty((await GetOkAsync("/api/v1/patients?mrn=MT-1"))["items"]!.AsArray());
        Assert.Empty((await GetOkAsync($"/api/v1/safety-alerts?status=all"))["items"]!.AsArray());
    }

    [Theory]
    [InlineData("/api/v1/patients/{0}/questionnaires", "application/json", Phq9)]
    [InlineData("/fhir/r4/QuestionnaireResponse", "application/fhir+json", null)]
    public async Task A_body_with_a_content_coding_is_a_415_naming_it_and_nothing_is_stored(string path, string contentType, string? body)
    {
        var patient = await CreatePatientAsync();
        body ??= Fhir.QuestionnaireResponseJson.Phq9(patient, [1, 1, 1, 1, 1, 1, 1, 1, 3]).ToJsonString();
        foreach (var coding in new[] { "gzip", "br", "deflate, gzip" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, string.Format(System.Globalization.CultureInfo.InvariantCulture, path, patient))
            {
                Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)),
            };
            request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
            request.Content.Headers.TryAddWithoutValidation("Content-Encoding", coding);
            var response = await Client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.UnsupportedMediaType, $"{coding}: {(int)response.StatusCode} {text}");
            Assert.Contains("Content-Encoding", text, StringComparison.Ordinal);
        }
        Assert.Empty((await GetOkAsync($"/api/v1/patients/{patient}/questionnaires"))["items"]!.AsArray());
        Assert.Empty((await GetOkAsync("/api/v1/safety-alerts?status=all"))["items"]!.AsArray());
    }

    [Fact]
    public async Task A_stranger_with_a_bad_charset_gets_401_not_a_media_type_answer()
    {
        using var stranger = ClientWith(null);
        using var content = new StringContent(Phq9, Encoding.UTF8);
        content.Headers.Remove("Content-Type");
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=bogus");
        var response = await stranger.PostAsync($"/api/v1/patients/{Guid.NewGuid()}/questionnaires", content);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("application/json", null)]
    [InlineData("application/json; charset=\"UTF-8\"", null)]
    [InlineData("application/json; charset=latin1", "charset latin1 is not read")]
    [InlineData("application/json; boundary=x", "parameter boundary is not read")]
    [InlineData("application/problem+json", "application/problem+json is not read")]
    [InlineData("json", "is not a media type")]
    // Spaces RFC 9110 does not allow (the header parser forgives them; HttpClient rewrites them before sending, curl does not).
    [InlineData("application/ json", "is not a media type")]
    [InlineData("application /json", "is not a media type")]
    [InlineData("application/json; charset = utf-8", "is not a media type")]
    [InlineData("application/json;charset=\"utf-8\" ", null)]
    public void The_rule_names_what_is_wrong(string contentType, string? expected)
    {
        var problem = JsonBodyMediaType.Problem(contentType);
        if (expected is null) Assert.Null(problem);
        else Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    private async Task<(HttpStatusCode Status, string Body)> PostAsync(string path, string body, string contentType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(body)) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        var response = await Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
