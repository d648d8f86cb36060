#nullable disable warnings // Firely POCOs are loosely annotated; the assertions check for nulls themselves.
using System.Net;
using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using Task = System.Threading.Tasks.Task;

namespace KetamineOutcomes.Api.Tests;

/// <summary>The FHIR R4 interface with the real Firely SDK and the public HL7 example payloads.</summary>
public class FhirTests : ApiTest
{
    /// <summary>Strict parsing: anything the service emits must parse without a single issue.</summary>
    internal static readonly JsonSerializerOptions Strict = new JsonSerializerOptions().ForFhir().UsingMode(DeserializationMode.Strict);

    internal static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "fhir", name));

    private static T Parse<T>(string json) where T : Resource => JsonSerializer.Deserialize<T>(json, Strict)!;

    private async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> FhirAsync(HttpMethod method, string url, string? body = null, HttpClient? client = null, string? key = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/fhir+json");
        if (key is not null) request.Headers.Add("Idempotency-Key", key);
        var response = await (client ?? Client).SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    private static string WithSubject(string json, string patientId)
    {
        var qr = Parse<QuestionnaireResponse>(json);
        qr.Subject = new ResourceReference($"Patient/{patientId}");
        return JsonSerializer.Serialize(qr, Strict);
    }

    [Fact]
    public async Task Metadata_is_a_capability_statement_without_a_key_listing_what_is_supported()
    {
        var (status, body, response) = await FhirAsync(HttpMethod.Get, "/fhir/r4/metadata", client: ClientWith(null));
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        var cs = Parse<CapabilityStatement>(body);
        Assert.Equal(FHIRVersion.N4_0_1, cs.FhirVersion);
        var resources = cs.Rest.Single().Resource.ToDictionary(r => r.Type);
        Assert.Equal(["Observation", "QuestionnaireResponse"], resources.Keys.Order());
        Assert.Contains("infusion-timepoint", resources["Observation"].Documentation, StringComparison.Ordinal);
        Assert.Contains(resources["QuestionnaireResponse"].Interaction, i => i.Code == CapabilityStatement.TypeRestfulInteraction.Create);
    }

    [Fact]
    public async Task US_Core_PHQ9_example_posts_with_total_12_moderate_and_searches_back_as_a_strict_observation()
    {
        var fixture = Fixture("us-core-QuestionnaireResponse-phq-9-example.json");
        Parse<QuestionnaireResponse>(fixture); // the public example parses with Firely in strict mode
        var patient = await CreatePatientAsync();
        await InfusionAsync(patient, new DateTimeOffset(2022, 11, 28, 9, 0, 0, TimeSpan.Zero));

        var (status, body, response) = await FhirAsync(HttpMethod.Post, "/fhir/r4/QuestionnaireResponse", WithSubject(fixture, patient));
        Assert.True(status == HttpStatusCode.Created, body);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        var created = Parse<QuestionnaireResponse>(body);
        Assert.StartsWith("/fhir/r4/QuestionnaireResponse/", response.Headers.Location!.ToString(), StringComparison.Ordinal);

        var json = await GetOkAsync($"/api/v1/patients/{patient}/questionnaires");
        var stored = json["items"]![0]!;
        Assert.Equal(12, (int)stored["totalScore"]!);
        Assert.Equal("moderate", (string)stored["severity"]!);
        Assert.Equal([2, 2, 2, 2, 1, 1, 2, 0, 0], stored["items"]!.AsArray().Select(i => (int)i!));
        Assert.Equal(1, (int)stored["difficulty"]!);  // LA6573-5 "Somewhat difficult"
        Assert.Equal(created.Id, (string)stored["id"]!);

        var (s2, search, _) = await FhirAsync(HttpMethod.Get, $"/fhir/r4/Observation?patient=Patient/{patient}&code=http://loinc.org|44261-6");
        Assert.Equal(HttpStatusCode.OK, s2);
        var bundle = Parse<Bundle>(search);
        Assert.Equal(1, bundle.Total);
        var obs = (Observation)bundle.Entry.Single().Resource;
        Assert.Equal(ObservationStatus.Final, obs.Status);
        Assert.Equal("survey", obs.Category.Single().Coding.Single().Code);
        Assert.Equal("44261-6", obs.Code.Coding.Single().Code);
        Assert.Equal(12, ((Integer)obs.Value).Value);
        Assert.Equal("moderate", obs.Interpretation.Single().Coding.Single().Code);
        Assert.Equal($"Patient/{patient}", obs.Subject.Reference);
        Assert.Equal($"QuestionnaireResponse/{created.Id}", obs.DerivedFrom.Single().Reference);
        var timepoint = obs.Extension.Single();
        Assert.EndsWith("infusion-timepoint", timepoint.Url, StringComparison.Ordinal);
        Assert.Equal(1, ((Integer)timepoint.Extension.Single(e => e.Url == "sessionNumber").Value).Value);

        var (s3, read, _) = await FhirAsync(HttpMethod.Get, $"/fhir/r4/QuestionnaireResponse/{created.Id}");
        Assert.Equal(HttpStatusCode.OK, s3);
        Assert.Equal("http://loinc.org/q/44249-1", Parse<QuestionnaireResponse>(read).Questionnaire);
    }

    [Fact]
    public async Task US_BH_CSSRS_example_posts_as_a_checkin_with_risk_none_and_no_alert()
    {
        var fixture = Fixture("us-bh-QuestionnaireResponse-C-SSRS-example-1.json");
        Parse<QuestionnaireResponse>(fixture);
        var patient = await CreatePatientAsync();
        var (status, body, _) = await FhirAsync(HttpMethod.Post, "/fhir/r4/QuestionnaireResponse", WithSubject(fixture, patient));
        Assert.True(status == HttpStatusCode.Created, body);

        var checkin = (await GetOkAsync($"/api/v1/patients/{patient}/suicidality-checkins"))["items"]![0]!;
        Assert.Equal("none", (string)checkin["riskLevel"]!); // the sender's own "Low" is ignored
        Assert.False((bool)checkin["thoughtsOfMethod"]!);
        Assert.Null(checkin["alert"]);

        var bundle = Parse<Bundle>((await FhirAsync(HttpMethod.Get, $"/fhir/r4/Observation?patient={patient}&code=93374-7")).Body);
        var risk = (Observation)bundle.Entry.Single().Resource;
        var coding = ((CodeableConcept)risk.Value).Coding.Single();
        Assert.Equal("none", coding.Code);
        Assert.EndsWith("cssrs-risk", coding.System, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Emitted_total_observation_matches_the_US_Core_examples_code_and_category_but_carries_an_integer()
    {
        var usCore = Parse<Observation>(Fixture("us-core-Observation-PHQ9-total-44261-6.json"));
        Assert.IsType<FhirString>(usCore.Value); // US Core's own example: valueString "12"
        var patient = await CreatePatientAsync();
        await Phq9Async(patient, Day0, Phq9Items(12));
        var ours = (Observation)Parse<Bundle>((await FhirAsync(HttpMethod.Get, $"/fhir/r4/Observation?patient={patient}&code=44261-6")).Body).Entry.Single().Resource;
        Assert.Equal(usCore.Code.Coding.Single(c => c.System == "http://loinc.org").Code, ours.Code.Coding.Single().Code);
        Assert.Equal(usCore.Category.SelectMany(c => c.Coding).Select(c => (c.System, c.Code)).Where(c => c.Code == "survey"),
            ours.Category.SelectMany(c => c.Coding).Select(c => (c.System, c.Code)));
        Assert.Equal(12, ((Integer)ours.Value).Value);
    }

    [Fact]
    public async Task PHQ9_without_item_9_is_refused_with_an_operation_outcome_saying_why()
    {
        var patient = await CreatePatientAsync();
        var qr = Parse<QuestionnaireResponse>(Fixture("us-core-QuestionnaireResponse-phq-9-example.json"));
        qr.Subject = new ResourceReference($"Patient/{patient}");
        qr.Item.RemoveAll(i => i.LinkId == "/44260-8");
        var (status, body, response) = await FhirAsync(HttpMethod.Post, "/fhir/r4/QuestionnaireResponse", JsonSerializer.Serialize(qr, Strict));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        var outcome = Parse<OperationOutcome>(body);
        Assert.Contains(outcome.Issue, i => i.Diagnostics.Contains("44260-8", StringComparison.Ordinal) && i.Diagnostics.Contains("safety", StringComparison.Ordinal));
        Assert.Empty((await GetOkAsync($"/api/v1/patients/{patient}/questionnaires"))["items"]!.AsArray());
    }

    [Theory]
    [InlineData("44250-9")]
    [InlineData("/44250-9")]
    [InlineData("phq9-1")]
    public async Task Items_are_recognised_by_LOINC_code_whatever_the_linkId_style_and_answers_by_ordinal(string firstLinkId)
    {
        var patient = await CreatePatientAsync();
        var qr = new QuestionnaireResponse
        {
            Status = QuestionnaireResponse.QuestionnaireResponseStatus.Completed,
            Subject = new ResourceReference($"Patient/{patient}"),
            Authored = "2026-03-02T09:00:00Z",
        };
        string[] codes = ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3", "44260-8"];
        for (var i = 0; i < 9; i++)
        {
            qr.Item.Add(new QuestionnaireResponse.ItemComponent
            {
                LinkId = i == 0 ? firstLinkId : codes[i],
                Answer = [new QuestionnaireResponse.AnswerComponent { Value = new Integer(i == 8 ? 1 : 3) }],
            });
        }
        var (status, body, _) = await FhirAsync(HttpMethod.Post, "/fhir/r4/QuestionnaireResponse", JsonSerializer.Serialize(qr, Strict));
        Assert.True(status == HttpStatusCode.Created, body);
        var q = (await GetOkAsync($"/api/v1/patients/{patient}/questionnaires"))["items"]![0]!;
        Assert.Equal(25, (int)q["totalScore"]!);
        Assert.Equal("low", (string)q["alert"]!["level"]!); // item 9 = 1 raises the alert, same as the JSON API
    }

    [Fact]
    public async Task GAD7_item_2_accepts_LA18938_3_for_2()
    {
        var patient = await CreatePatientAsync();
        string[] codes = ["69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"];
        var qr = new QuestionnaireResponse
        {
            Status = QuestionnaireResponse.QuestionnaireResponseStatus.Completed,
            Questionnaire = "http://loinc.org/q/69737-5",
            Subject = new ResourceReference($"Patient/{patient}"),
            Authored = "2026-03-02T09:00:00+01:00",
        };
        foreach (var code in codes)
        {
            qr.Item.Add(new QuestionnaireResponse.ItemComponent
            {
                LinkId = "/" + code,
                Answer = [new QuestionnaireResponse.AnswerComponent { Value = new Coding("http://loinc.org", code == "68509-9" ? "LA18938-3" : "LA6569-3") }],
            });
        }
        var (status, body, _) = await FhirAsync(HttpMethod.Post, "/fhir/r4/QuestionnaireResponse", JsonSerializer.Serialize(qr, Strict));
        Assert.True(status == HttpStatusCode.Created, body);
        var q = (await GetOkAsync($"/api/v1/patients/{patient}/questionnaires?instrument=gad7"))["items"]![0]!;
        Assert.Equal(8, (int)q["totalScore"]!); // 6 × 1 + 2
    }

    [Fact]
    public async Task Errors_are_operation_outcomes_with_the_right_status()
    {
        var patient = await CreatePatientAsync();
        var noKey = await FhirAsync(HttpMethod.Get, $"/fhir/r4/Observation?patient={patient}", client: ClientWith(null));
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.Status);
        Assert.Equal(OperationOutcome.IssueType.Login, Parse<OperationOutcome>(noKey.Body).Issue[0].Code);
        Assert.Equal("application/fhir+json", noKey.Response.Content.Headers.ContentType?.MediaType);

        var unknown = await FhirAsync(HttpMethod.Get, $"/fhir/r4/Observation?patient={Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal(OperationOutcome.IssueType.NotFound, Parse<OperationOutcome>(unknown.Body).Issue[0].Code);

        var noPatient = await FhirAsync(HttpMethod.Get, "/fhir/r4/Observation?code=44261-6");
        Assert.Equal(HttpStatusCode.BadRequest, noPatient.Status);
        Assert.Equal("patient", Parse<OperationOutcome>(noPatient.Body).Issue[0].Expression.Single());

        var badJson = await FhirAsync(HttpMethod.Post, "/fhir/r4/QuestionnaireResponse", "{\"resourceType\":\"QuestionnaireResponse\",");
        Assert.Equal(HttpStatusCode.BadRequest, badJson.Status);
        Parse<OperationOutcome>(badJson.Body);

        var wrongType = await FhirAsync(HttpMethod.Post, "/fhir/r4/QuestionnaireResponse", """{"resourceType":"Patient","id":"x"}""");
        Assert.Equal(HttpStatusCode.BadRequest, wrongType.Status);

        using var xml = new StringContent("<QuestionnaireResponse/>", Encoding.UTF8, "application/fhir+xml");
        var xmlResponse = await Client.PostAsync("/fhir/r4/QuestionnaireResponse", xml);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, xmlResponse.StatusCode);
        Parse<OperationOutcome>(await xmlResponse.Content.ReadAsStringAsync());

        var missingRead = await FhirAsync(HttpMethod.Get, $"/fhir/r4/QuestionnaireResponse/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, missingRead.Status);
    }

    [Fact]
    public async Task Observation_search_supports_date_prefixes_sort_count_and_next_links()
    {
        var patient = await CreatePatientAsync();
        for (var d = 1; d <= 5; d++) await Phq9Async(patient, new DateTimeOffset(2026, 3, d, 9, 0, 0, TimeSpan.Zero), Phq9Items(10 + d));
        async Task<Bundle> Search(string query) => Parse<Bundle>((await FhirAsync(HttpMethod.Get, $"/fhir/r4/Observation?patient={patient}&code=44261-6&{query}")).Body);
        int[] Values(Bundle b) => b.Entry.Select(e => ((Integer)((Observation)e.Resource).Value).Value!.Value).ToArray();

        Assert.Equal(new[] { 12, 13, 14 }, Values(await Search("date=ge2026-03-02&date=le2026-03-04")));
        Assert.Equal(new[] { 13 }, Values(await Search("date=2026-03-03")));
        Assert.Equal(new[] { 14, 15 }, Values(await Search("date=gt2026-03-03")));
        Assert.Equal(new[] { 11 }, Values(await Search("date=lt2026-03-02")));
        Assert.Equal(new[] { 13 }, Values(await Search("date=eq2026-03-03T09:00:00Z")));
        Assert.Equal(new[] { 15, 14, 13, 12, 11 }, Values(await Search("_sort=-date")));

        var first = await Search("_count=2");
        Assert.Equal(5, first.Total);
        Assert.Equal(new[] { 11, 12 }, Values(first));
        var next = first.Link.Single(l => l.Relation == "next").Url;
        var second = Parse<Bundle>((await FhirAsync(HttpMethod.Get, new Uri(next).PathAndQuery)).Body);
        Assert.Equal(new[] { 13, 14 }, Values(second));

        // A repeated parameter is AND (FHIR R4 search): no Observation has both codes. A comma inside one value is OR.
        Assert.Equal(0, (await Search("code=44260-8")).Total);
        var either = Parse<Bundle>((await FhirAsync(HttpMethod.Get, $"/fhir/r4/Observation?patient={patient}&code=44261-6,44260-8")).Body);
        Assert.Equal(10, either.Total); // 5 totals and 5 item-9 answers
        var bad = await FhirAsync(HttpMethod.Get, $"/fhir/r4/Observation?patient={patient}&date=sometime");
        Assert.Equal(HttpStatusCode.BadRequest, bad.Status);
    }

    [Fact]
    public async Task Every_resource_the_service_emits_parses_in_strict_mode()
    {
        var patient = await CreatePatientAsync();
        await InfusionAsync(patient, Day0);
        await Phq9Async(patient, Day0.AddDays(-1), Phq9Items(18, 2));
        await Phq9Async(patient, Day0.AddDays(1), Phq9Items(9, 0));
        await CreatedAsync($"/api/v1/patients/{patient}/questionnaires", new { instrument = "gad7", completedAt = Iso(Day0), items = new int?[] { 1, 2, 3, null, 1, 2, 3 } });
        await CreatedAsync($"/api/v1/patients/{patient}/suicidality-checkins", new { completedAt = Iso(Day0), wishToBeDead = true, suicidalThoughts = true, thoughtsOfMethod = true, intent = false, plan = false, suicidalBehavior = "over-3-months-ago" });

        var observations = Parse<Bundle>((await FhirAsync(HttpMethod.Get, $"/fhir/r4/Observation?patient={patient}")).Body);
        Assert.Equal(6, observations.Total); // 3 totals, 2 PHQ-9 item 9, 1 C-SSRS risk
        foreach (var e in observations.Entry) Parse<Observation>(JsonSerializer.Serialize(e.Resource, Strict));
        var responses = Parse<Bundle>((await FhirAsync(HttpMethod.Get, $"/fhir/r4/QuestionnaireResponse?patient={patient}")).Body);
        Assert.Equal(4, responses.Total);
        foreach (var e in responses.Entry)
        {
            var read = await FhirAsync(HttpMethod.Get, $"/fhir/r4/QuestionnaireResponse/{e.Resource.Id}");
            Assert.Equal(HttpStatusCode.OK, read.Status);
            Parse<QuestionnaireResponse>(read.Body);
        }
    }

    [Fact]
    public async Task Posting_the_same_response_with_one_idempotency_key_stores_it_once()
    {
        var patient = await CreatePatientAsync();
        var body = WithSubject(Fixture("us-core-QuestionnaireResponse-phq-9-example.json"), patient);
        var first = await FhirAsync(HttpMethod.Post, "/fhir/r4/QuestionnaireResponse", body, key: "fhir-1");
        var second = await FhirAsync(HttpMethod.Post, "/fhir/r4/QuestionnaireResponse", body, key: "fhir-1");
        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal(HttpStatusCode.Created, second.Status);
        Assert.Equal(first.Body, second.Body);
        Assert.Equal("application/fhir+json", second.Response.Content.Headers.ContentType?.MediaType);
        Assert.Single((await GetOkAsync($"/api/v1/patients/{patient}/questionnaires"))["items"]!.AsArray());
    }
}

/// <summary>FHIR and the JSON API agree on the seeded demo cohort.</summary>
public class FhirCohortTests() : ApiTest(new() { ["Seed:Demo"] = "true" })
{
    [Fact]
    public async Task FHIR_totals_equal_the_JSON_APIs_totals_for_every_seeded_patient()
    {
        var patients = (await GetOkAsync("/api/v1/patients?limit=100"))["items"]!.AsArray().Select(p => (string)p!["id"]!).ToArray();
        Assert.Equal(60, patients.Length);
        foreach (var id in patients)
        {
            var json = (await GetOkAsync($"/api/v1/patients/{id}/questionnaires?limit=500"))["items"]!.AsArray()
                .Select(q => ((string)q!["id"]!, (int)q["totalScore"]!)).OrderBy(x => x.Item1).ToArray();
            using var response = await Client.GetAsync($"/fhir/r4/Observation?patient={id}&code=44261-6,70274-6&_count=500");
            var bundle = JsonSerializer.Deserialize<Bundle>(await response.Content.ReadAsStringAsync(), FhirTests.Strict)!;
            var fhir = bundle.Entry.Select(e => (Observation)e.Resource)
                .Select(o => (o.DerivedFrom.Single().Reference["QuestionnaireResponse/".Length..], ((Integer)o.Value).Value!.Value)).OrderBy(x => x.Item1).ToArray();
            Assert.Equal(json, fhir);
            Assert.Equal(json.Length, bundle.Total);
        }
    }
}

public class FhirDateParameterTests
{
    [Theory]
    // parameter, instant → matches
    [InlineData("2026-03-02", "2026-03-02T00:00:00Z", true)]
    [InlineData("2026-03-02", "2026-03-02T23:59:59Z", true)]
    [InlineData("2026-03-02", "2026-03-03T00:00:00Z", false)]
    [InlineData("ge2026-03-02", "2026-03-02T00:00:00Z", true)]
    [InlineData("gt2026-03-02", "2026-03-02T12:00:00Z", false)]
    [InlineData("gt2026-03-02", "2026-03-03T00:00:00Z", true)]
    [InlineData("le2026-03", "2026-03-31T23:00:00Z", true)]
    [InlineData("lt2026", "2025-12-31T23:59:59Z", true)]
    [InlineData("lt2026", "2026-01-01T00:00:00Z", false)]
    [InlineData("eq2026-03-02T10:00:00+01:00", "2026-03-02T09:00:00Z", true)]
    [InlineData("ne2026-03-02", "2026-03-02T12:00:00Z", false)]
    [InlineData("ne2026-03-02", "2026-03-03T00:00:00Z", true)]
    [InlineData("ne2026-03-02", "2026-03-01T23:59:59Z", true)]
    [InlineData("sa2026-03-02", "2026-03-02T23:59:59Z", false)] // starts after: the whole day, like gt against an instant
    [InlineData("sa2026-03-02", "2026-03-03T00:00:00Z", true)]
    [InlineData("eb2026-03-02", "2026-03-01T23:59:59Z", true)]  // ends before: like lt
    [InlineData("eb2026-03-02", "2026-03-02T00:00:00Z", false)]
    [InlineData("gt2026-03-02T09:00:00.5Z", "2026-03-02T09:00:00.5Z", false)] // a fraction is that instant
    [InlineData("ge2026-03-02T09:00:00.5Z", "2026-03-02T09:00:00.5Z", true)]
    [InlineData("gt2026-03-02T09:00:00.5Z", "2026-03-02T09:00:00.500001Z", true)]
    public void Date_prefixes_compare_against_the_values_precision(string raw, string instant, bool matches)
    {
        Assert.True(KetamineOutcomes.Api.Fhir.FhirDateParameter.TryParse(raw, out var p));
        Assert.Equal(matches, p!.Matches(DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("sometime")]
    [InlineData("ap2026-03-02")]          // approximately: not offered
    [InlineData("2026-03-02T10:00:00")]   // a time needs an offset
    [InlineData("9999-12-31T23:59:59Z")]  // no clinical data there, and no overflow either
    [InlineData("0001-01-01")]
    public void Unsupported_or_out_of_range_values_are_refused(string raw) =>
        Assert.False(KetamineOutcomes.Api.Fhir.FhirDateParameter.TryParse(raw, out _));
}
