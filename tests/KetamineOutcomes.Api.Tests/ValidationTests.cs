using System.Net;

namespace KetamineOutcomes.Api.Tests;

/// <summary>Bad input answers 400 problem+json whose <c>errors</c> map names exactly the offending field.</summary>
public class ValidationTests : ApiTest
{
    public static TheoryData<string, string> BadQuestionnaires => new()
    {
        { """{"instrument":"phq9","completedAt":"2026-03-02T09:00:00Z","items":[1,1,1,4,1,1,1,1,0]}""", "items[3]" },
        { """{"instrument":"phq9","completedAt":"2026-03-02T09:00:00Z","items":[null,null,null,1,1,1,1,1,0]}""", "items" },
        { """{"instrument":"phq9","completedAt":"2026-03-02T09:00:00Z","items":[1,1,1,1,1,1,1,1,null]}""", "items[8]" },
        { """{"instrument":"phq9","completedAt":"2026-03-02T09:00:00Z","items":[1,1,1,1,1,1,1,1]}""", "items" },
        { """{"instrument":"phq9","completedAt":"2026-03-02T09:00:00Z","items":[1,1,1,1,-1,1,1,1,0]}""", "items[4]" },
        { """{"instrument":"gad7","completedAt":"2026-03-02T09:00:00Z","items":[null,null,1,1,1,1,1]}""", "items" },
        { """{"instrument":"gad7","completedAt":"2026-03-02T09:00:00Z","items":[1,1,1,1,1,1,1],"difficulty":1}""", "difficulty" },
        { """{"instrument":"phq9","completedAt":"2026-03-02T09:00:00Z","items":[1,1,1,1,1,1,1,1,0],"difficulty":7}""", "difficulty" },
        { """{"instrument":"phq10","completedAt":"2026-03-02T09:00:00Z","items":[1,1,1,1,1,1,1,1,0]}""", "instrument" },
        { """{"completedAt":"2026-03-02T09:00:00Z","items":[1,1,1,1,1,1,1,1,0]}""", "instrument" },
        { """{"instrument":"phq9","items":[1,1,1,1,1,1,1,1,0]}""", "completedAt" },
        { """{"instrument":"phq9","completedAt":"2026-03-02T09:00:00","items":[1,1,1,1,1,1,1,1,0]}""", "completedAt" },
        { """{"instrument":"phq9","completedAt":"yesterday","items":[1,1,1,1,1,1,1,1,0]}""", "completedAt" },
        { """{"instrument":"phq9","completedAt":"1850-03-02T09:00:00Z","items":[1,1,1,1,1,1,1,1,0]}""", "completedAt" },
        { """{"instrument":"phq9","completedAt":"2026-03-02T09:00:00Z","items":"abc"}""", "items" },
        { """{"instrument":"phq9","completedAt":"2026-03-02T09:00:00Z","items":[1,1,1,"x",1,1,1,1,0]}""", "items[3]" },
        { """{"instrument":"phq9","completedAt":"2026-03-02T09:00:00Z","items":[1,1,1,1.5,1,1,1,1,0]}""", "items[3]" },
        { """{"instrument":"phq9","completedAt":"2026-03-02T09:00:00Z","items":[1,1,1,1,1,1,1,1,0],"source":""}""", "source" },
        { """{"instrument":0,"completedAt":"2026-03-02T09:00:00Z","items":[1,1,1,1,1,1,1,1,0]}""", "instrument" },
        { """{"instrument":"phq9","completedAt":"2026-03-02T09:00:00Z","items":[1,1,1,1,1,1,1,1,0],"items":[0,0,0,0,0,0,0,0,0]}""", "items" },
        { """{"instrument":"phq9",""", "body" },
        { """[]""", "body" },
    };

    [Theory]
    [MemberData(nameof(BadQuestionnaires))]
    public async Task Bad_questionnaire_is_refused_naming_the_field(string body, string field)
    {
        var patient = await CreatePatientAsync();
        var (status, problem, response) = await PostAsync($"/api/v1/patients/{patient}/questionnaires", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal([field], ErrorKeys(problem));
        Assert.Equal(400, (int)problem!["status"]!);
        Assert.NotNull(problem["traceId"]);
    }

    [Fact]
    public async Task Completed_at_more_than_5_minutes_ahead_is_refused_and_4_minutes_is_accepted()
    {
        var patient = await CreatePatientAsync();
        var (status, problem, _) = await PostAsync($"/api/v1/patients/{patient}/questionnaires",
            new { instrument = "phq9", completedAt = Iso(DateTimeOffset.UtcNow.AddMinutes(6)), items = Phq9Items(5) });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["completedAt"], ErrorKeys(problem));
        await Phq9Async(patient, DateTimeOffset.UtcNow.AddMinutes(4), Phq9Items(5));
    }

    public static TheoryData<string, string> BadCheckins => new()
    {
        { """{"completedAt":"2026-03-02T09:00:00Z","wishToBeDead":false,"suicidalThoughts":false,"thoughtsOfMethod":true,"suicidalBehavior":"none"}""", "thoughtsOfMethod" },
        { """{"completedAt":"2026-03-02T09:00:00Z","wishToBeDead":false,"suicidalThoughts":false,"plan":true,"suicidalBehavior":"none"}""", "plan" },
        { """{"completedAt":"2026-03-02T09:00:00Z","suicidalThoughts":false,"suicidalBehavior":"none"}""", "wishToBeDead" },
        { """{"completedAt":"2026-03-02T09:00:00Z","wishToBeDead":false,"suicidalThoughts":false}""", "suicidalBehavior" },
        { """{"completedAt":"2026-03-02T09:00:00Z","wishToBeDead":false,"suicidalThoughts":false,"suicidalBehavior":"yesterday"}""", "suicidalBehavior" },
        { """{"completedAt":"2026-03-02T09:00:00Z","wishToBeDead":"yes","suicidalThoughts":false,"suicidalBehavior":"none"}""", "wishToBeDead" },
    };

    [Theory]
    [MemberData(nameof(BadCheckins))]
    public async Task Bad_checkin_is_refused_naming_the_field(string body, string field)
    {
        var patient = await CreatePatientAsync();
        var (status, problem, _) = await PostAsync($"/api/v1/patients/{patient}/suicidality-checkins", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal([field], ErrorKeys(problem));
    }

    public static TheoryData<string, string> BadPatients => new()
    {
        { """{"mrn":"A"}""", "researchConsent" },
        { """{"researchConsent":true,"sex":"f"}""", "sex" },
        { """{"researchConsent":true,"birthYear":1850}""", "birthYear" },
        { """{"researchConsent":true,"diagnoses":["flu"]}""", "diagnoses[0]" },
        { """{"researchConsent":true,"siteId":"north site!"}""", "siteId" },
        { """{"researchConsent":true,"mrn":""}""", "mrn" },
        { """{"researchConsent":"yes"}""", "researchConsent" },
    };

    [Theory]
    [MemberData(nameof(BadPatients))]
    public async Task Bad_patient_is_refused_naming_the_field(string body, string field)
    {
        var (status, problem, _) = await PostAsync("/api/v1/patients", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal([field], ErrorKeys(problem));
    }

    public static TheoryData<string, string> BadInfusions => new()
    {
        { """{"administeredAt":"2026-03-02T09:00:00Z","drug":"ketamine"}""", "route" },
        { """{"administeredAt":"2026-03-02T09:00:00Z","route":"iv"}""", "drug" },
        { """{"administeredAt":"2026-03-02T09:00:00Z","route":"rectal","drug":"ketamine"}""", "route" },
        { """{"route":"iv","drug":"ketamine"}""", "administeredAt" },
        { """{"administeredAt":"2026-03-02T09:00:00Z","route":"iv","drug":"ketamine","doseMg":-5}""", "doseMg" },
        { """{"administeredAt":"2026-03-02T09:00:00Z","route":"iv","drug":"ketamine","doseMgPerKg":40}""", "doseMgPerKg" },
        { """{"administeredAt":"2026-03-02T09:00:00Z","route":"iv","drug":"ketamine","durationMinutes":0}""", "durationMinutes" },
        { """{"administeredAt":"2026-03-02T09:00:00Z","route":"iv","drug":"ketamine","bloodPressure":{"preSystolic":900}}""", "bloodPressure.preSystolic" },
        { """{"administeredAt":"2026-03-02T09:00:00Z","route":"iv","drug":"ketamine","sideEffects":["hiccups"]}""", "sideEffects[0]" },
    };

    [Theory]
    [MemberData(nameof(BadInfusions))]
    public async Task Bad_infusion_is_refused_naming_the_field(string body, string field)
    {
        var patient = await CreatePatientAsync();
        var (status, problem, _) = await PostAsync($"/api/v1/patients/{patient}/infusions", body);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal([field], ErrorKeys(problem));
    }

    [Theory]
    [InlineData("questionnaires?limit=0", "limit")]
    [InlineData("questionnaires?limit=abc", "limit")]
    [InlineData("questionnaires?limit=501", "limit")]
    [InlineData("questionnaires?cursor=bogus", "cursor")]
    [InlineData("questionnaires?from=yesterday", "from")]
    [InlineData("questionnaires?from=2026-03-02T00:00:00", "from")]
    [InlineData("questionnaires?from=2026-03-05T00:00:00Z&to=2026-03-01T00:00:00Z", "from")]
    [InlineData("questionnaires?instrument=madrs", "instrument")]
    [InlineData("trends?instrument=madrs", "instrument")]
    [InlineData("suicidality-checkins?to=soon", "to")]
    [InlineData("infusions?limit=-1", "limit")]
    public async Task Bad_query_string_is_refused_naming_the_parameter(string path, string field)
    {
        var patient = await CreatePatientAsync();
        var (status, problem, _) = await SendAsync(HttpMethod.Get, $"/api/v1/patients/{patient}/{path}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal([field], ErrorKeys(problem));
    }

    [Fact]
    public async Task An_unescaped_plus_in_a_query_offset_arrives_as_a_space_and_is_refused_naming_the_field()
    {
        // SPEC v2 Boundaries: nothing is read loosely in a query string; a space read back as '+' would be a guess.
        var patient = await CreatePatientAsync();
        await Phq9Async(patient, Day0, Phq9Items(10));
        var (status, body, _) = await SendAsync(HttpMethod.Get, $"/api/v1/patients/{patient}/questionnaires?from=2026-03-02T10:00:00+01:00");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["from"], ErrorKeys(body));
        Assert.Contains("%2B", body!["errors"]!["from"]![0]!.ToString(), StringComparison.Ordinal);
        var list = await GetOkAsync($"/api/v1/patients/{patient}/questionnaires?from=2026-03-02T10:00:00%2B01:00");
        Assert.Single(list["items"]!.AsArray());
    }
}
