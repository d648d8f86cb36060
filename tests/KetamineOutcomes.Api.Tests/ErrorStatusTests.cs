using System.Net;
using System.Text;
using Dapper;
using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Api.Tests;

public class ErrorStatusTests : ApiTest
{
    private static readonly string Missing = Guid.NewGuid().ToString();

    public static TheoryData<string, string> PerPatientRoutes => new()
    {
        { "GET", $"/api/v1/patients/{Missing}" },
        { "GET", $"/api/v1/patients/{Missing}/infusions" },
        { "GET", $"/api/v1/patients/{Missing}/questionnaires" },
        { "GET", $"/api/v1/patients/{Missing}/suicidality-checkins" },
        { "GET", $"/api/v1/patients/{Missing}/trends" },
        { "POST", $"/api/v1/patients/{Missing}/infusions" },
        { "POST", $"/api/v1/patients/{Missing}/questionnaires" },
        { "POST", $"/api/v1/patients/{Missing}/suicidality-checkins" },
        { "PUT", $"/api/v1/patients/{Missing}/research-consent" },
    };

    private static object ValidBodyFor(string path) => path switch
    {
        _ when path.EndsWith("/infusions", StringComparison.Ordinal) => new { administeredAt = "2026-03-02T09:00:00Z", route = "iv", drug = "ketamine" },
        _ when path.EndsWith("/questionnaires", StringComparison.Ordinal) => new { instrument = "phq9", completedAt = "2026-03-02T09:00:00Z", items = new[] { 1, 1, 1, 1, 1, 1, 1, 1, 0 } },
        _ when path.EndsWith("/suicidality-checkins", StringComparison.Ordinal) => new { completedAt = "2026-03-02T09:00:00Z", wishToBeDead = false, suicidalThoughts = false, suicidalBehavior = "none" },
        _ => new { researchConsent = true },
    };

    [Theory]
    [MemberData(nameof(PerPatientRoutes))]
    public async Task Unknown_patient_answers_404_problem(string method, string path)
    {
        var (status, problem, response) = await SendAsync(new HttpMethod(method), path, method == "GET" ? null : ValidBodyFor(path));
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(404, (int)problem!["status"]!);
    }

    [Theory]
    [InlineData("/api/v1/patients/not-a-uuid")]
    [InlineData("/api/v1/patients/12345/trends")]
    [InlineData("/api/v1/patients/00000000-0000-0000-0000-00000000000g/questionnaires")]
    public async Task Malformed_id_answers_404_problem_never_500(string path)
    {
        var (status, problem, _) = await SendAsync(HttpMethod.Get, path);
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(404, (int)problem!["status"]!);
    }

    [Fact]
    public async Task Body_over_64_KiB_answers_413()
    {
        var patient = await CreatePatientAsync();
        var huge = $$"""{"instrument":"phq9","completedAt":"2026-03-02T09:00:00Z","items":[1,1,1,1,1,1,1,1,0],"source":"{{new string('x', 70_000)}}"}""";
        var (status, problem, _) = await PostAsync($"/api/v1/patients/{patient}/questionnaires", huge);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, status);
        Assert.Equal(413, (int)problem!["status"]!);
    }

    [Fact]
    public async Task Non_json_content_type_answers_415()
    {
        var patient = await CreatePatientAsync();
        using var content = new StringContent("instrument=phq9", Encoding.UTF8, "text/plain");
        var response = await Client.PostAsync($"/api/v1/patients/{patient}/questionnaires", content);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Missing_body_answers_400_naming_the_body()
    {
        var patient = await CreatePatientAsync();
        using var content = new StringContent("", Encoding.UTF8, "application/json");
        var response = await Client.PostAsync($"/api/v1/patients/{patient}/questionnaires", content);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(["body"], ErrorKeys(System.Text.Json.Nodes.JsonNode.Parse(await response.Content.ReadAsStringAsync())));
    }

    [Fact]
    public async Task Duplicate_mrn_in_a_site_answers_409_but_another_site_may_reuse_it()
    {
        await CreatePatientAsync("MRN-1", "north");
        var (status, problem, _) = await PostAsync("/api/v1/patients", new { mrn = "MRN-1", siteId = "north", researchConsent = true });
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal(409, (int)problem!["status"]!);
        await CreatePatientAsync("MRN-1", "south");
    }

    [Fact]
    public async Task Store_failure_answers_500_without_stack_trace_or_sql()
    {
        var patient = await CreatePatientAsync();
        await using (var c = await App.OpenConnectionAsync())
        {
            await c.ExecuteAsync("ALTER TABLE questionnaires RENAME TO questionnaires_gone;");
        }
        var (status, problem, _) = await PostAsync($"/api/v1/patients/{patient}/questionnaires",
            new { instrument = "phq9", completedAt = Iso(Day0), items = Phq9Items(5) });
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        var text = problem!.ToJsonString();
        Assert.DoesNotContain("questionnaires", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Sqlite", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(" at ", text, StringComparison.Ordinal);
        Assert.NotNull(problem["traceId"]);
    }
}
