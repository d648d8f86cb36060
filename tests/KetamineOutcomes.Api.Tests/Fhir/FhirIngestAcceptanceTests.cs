#nullable disable warnings // Firely POCOs are loosely annotated; the assertions check for nulls themselves.
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Hl7.Fhir.Model;
using static KetamineOutcomes.Api.Tests.Fhir.QuestionnaireResponseJson;
using Task = System.Threading.Tasks.Task;

namespace KetamineOutcomes.Api.Tests.Fhir;

/// <summary>What the FHIR door accepts since issue 16: every instrument of a response, every yes/no coding, the status as sent.</summary>
public sealed class FhirIngestAcceptanceTests : WebhookedApiTest
{
    private async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> PostFhirAsync(JsonObject qr, string key = null)
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

    /// <summary>An intake form: a PHQ-9 group (item 9 = 0) and a C-SSRS group (Q1 yes, Q2 no, Q6 yes, within 3 months yes).</summary>
    private static JsonObject IntakeForm(string patient) => Response(patient, "https://clinic.example/Questionnaire/intake",
    [
        Group("phq9", [Group("page-1", Phq9Answers([2, 2, 1, 1, 1, 1, 1, 1, 0]))]),
        Group("cssrs", CssrsItems(q1: true, q2: false, q3: false, q4: false, q5: false, q6: true, recent: true)),
    ]);

    [Fact]
    public async Task An_intake_form_with_PHQ9_and_CSSRS_groups_stores_both_with_the_CSSRS_high_alert_and_answers_with_both()
    {
        var patient = await CreatePatientAsync();
        var (status, body, response) = await PostFhirAsync(IntakeForm(patient));
        Assert.True(status == HttpStatusCode.Created, body);

        var bundle = JsonSerializer.Deserialize<Bundle>(body, FhirTests.Strict);
        Assert.Equal(Bundle.BundleType.TransactionResponse, bundle.Type);
        Assert.Equal(2, bundle.Entry.Count);
        Assert.All(bundle.Entry, e => Assert.Equal("201 Created", e.Response.Status));
        var panels = bundle.Entry.Select(e => ((QuestionnaireResponse)e.Resource).Questionnaire).ToArray();
        Assert.Equal(["http://loinc.org/q/44249-1", "http://loinc.org/q/93373-9"], panels);
        Assert.Equal($"/fhir/r4/QuestionnaireResponse/{bundle.Entry[0].Resource.Id}", response.Headers.Location!.ToString());

        var q = (await GetOkAsync($"/api/v1/patients/{patient}/questionnaires"))["items"]!.AsArray().Single()!;
        Assert.Equal(10, (int)q["totalScore"]!);
        var checkin = (await GetOkAsync($"/api/v1/patients/{patient}/suicidality-checkins"))["items"]!.AsArray().Single()!;
        Assert.Equal("high", (string)checkin["riskLevel"]!);
        Assert.Equal("within-3-months", (string)checkin["suicidalBehavior"]!);
        var alerts = (await GetOkAsync("/api/v1/safety-alerts?status=open"))["items"]!.AsArray();
        Assert.Equal("high", (string)alerts.Single()!["level"]!);
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM outbox_events"));
    }

    [Fact]
    public async Task An_intake_form_is_stored_whole_or_not_at_all()
    {
        var patient = await CreatePatientAsync();
        await App.Store.FailInsertsIntoAsync("suicidality_checkins");
        var (status, _, _) = await PostFhirAsync(IntakeForm(patient));
        Assert.Equal(HttpStatusCode.InternalServerError, status);
        Assert.Equal(0, await CountAsync("SELECT (SELECT COUNT(*) FROM questionnaires) + (SELECT COUNT(*) FROM safety_alerts) + (SELECT COUNT(*) FROM outbox_events)"));
    }

    [Fact]
    public async Task An_intake_form_replayed_with_its_idempotency_key_answers_the_same_bundle_and_stores_once()
    {
        var patient = await CreatePatientAsync();
        var first = await PostFhirAsync(IntakeForm(patient), key: "intake-1");
        var second = await PostFhirAsync(IntakeForm(patient), key: "intake-1");
        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal(first.Body, second.Body);
        Assert.Equal(2, await CountAsync("SELECT (SELECT COUNT(*) FROM questionnaires) + (SELECT COUNT(*) FROM suicidality_checkins)"));
    }

    public static TheoryData<string, JsonObject, bool> YesNoCodings() => new()
    {
        { "LOINC LA33-6", Coding(Loinc, "LA33-6"), true },
        { "SNOMED CT 373066001", Coding(Snomed, "373066001"), true },
        { "valueBoolean true", new JsonObject { ["valueBoolean"] = true }, true },
        { "LOINC LA32-8", Coding(Loinc, "LA32-8"), false },
        { "SNOMED CT 373067005", Coding(Snomed, "373067005"), false },
        { "valueBoolean false", new JsonObject { ["valueBoolean"] = false }, false },
        { "LOINC by OID, LA33-6", Coding("urn:oid:2.16.840.1.113883.6.1", "LA33-6"), true },
        { "SNOMED CT by OID, 373067005", Coding("urn:oid:2.16.840.1.113883.6.96", "373067005"), false },
        { "HL7 v2-0136 Y", Coding("http://terminology.hl7.org/CodeSystem/v2-0136", "Y"), true },
        { "LA33-6 without a system (LHC-Forms)", new JsonObject { ["valueCoding"] = new JsonObject { ["code"] = "LA33-6", ["display"] = "Yes" } }, true },
        { "LA32-8 without a system (LHC-Forms)", new JsonObject { ["valueCoding"] = new JsonObject { ["code"] = "LA32-8", ["display"] = "No" } }, false },
        { "HL7 v2-0136 N", Coding("http://terminology.hl7.org/CodeSystem/v2-0136", "N"), false },
    };

    [Theory]
    [MemberData(nameof(YesNoCodings))]
    public async Task Intent_is_read_from_every_accepted_yes_no_coding(string form, JsonObject answer, bool yes)
    {
        var patient = await CreatePatientAsync();
        var qr = Response(patient, "http://loinc.org/q/93373-9", CssrsItems(true, true, false, false, false, false, false).Select(i =>
            (string)i["linkId"]! == "/93249-1" ? Item("/93249-1", answer) : i));
        var (status, body, _) = await PostFhirAsync(qr);
        Assert.True(status == HttpStatusCode.Created, $"{form}: {body}");
        var checkin = (await GetOkAsync($"/api/v1/patients/{patient}/suicidality-checkins"))["items"]![0]!;
        Assert.Equal(yes, (bool)checkin["intent"]!);
        Assert.Equal(yes ? "high" : "low", (string)checkin["riskLevel"]!);
    }

    [Theory]
    [MemberData(nameof(YesNoCodings))]
    public async Task Recent_behaviour_is_read_from_every_accepted_yes_no_coding(string form, JsonObject answer, bool yes)
    {
        var patient = await CreatePatientAsync();
        var qr = Response(patient, "http://loinc.org/q/93373-9", CssrsItems(false, false, false, false, false, true, false).Select(i =>
            (string)i["linkId"]! == "/93269-9" ? Item("/93269-9", answer) : i));
        var (status, body, _) = await PostFhirAsync(qr);
        Assert.True(status == HttpStatusCode.Created, $"{form}: {body}");
        var checkin = (await GetOkAsync($"/api/v1/patients/{patient}/suicidality-checkins"))["items"]![0]!;
        Assert.Equal(yes ? "within-3-months" : "over-3-months-ago", (string)checkin["suicidalBehavior"]!);
        Assert.Equal(yes ? "high" : "moderate", (string)checkin["riskLevel"]!);
    }

    [Theory]
    [InlineData("completed", QuestionnaireResponse.QuestionnaireResponseStatus.Completed)]
    [InlineData("amended", QuestionnaireResponse.QuestionnaireResponseStatus.Amended)]
    public async Task The_stored_status_is_read_back_as_sent(string sent, QuestionnaireResponse.QuestionnaireResponseStatus expected)
    {
        var patient = await CreatePatientAsync();
        var (status, body, _) = await PostFhirAsync(Response(patient, "http://loinc.org/q/44249-1", Phq9Answers([1, 1, 1, 1, 1, 1, 1, 1, 1]), sent));
        Assert.True(status == HttpStatusCode.Created, body);
        Assert.Equal(expected, JsonSerializer.Deserialize<QuestionnaireResponse>(body, FhirTests.Strict).Status);
        var id = JsonSerializer.Deserialize<QuestionnaireResponse>(body, FhirTests.Strict).Id;

        using var read = await Client.GetAsync($"/fhir/r4/QuestionnaireResponse/{id}");
        Assert.Equal(expected, JsonSerializer.Deserialize<QuestionnaireResponse>(await read.Content.ReadAsStringAsync(), FhirTests.Strict).Status);
        using var search = await Client.GetAsync($"/fhir/r4/QuestionnaireResponse?patient={patient}");
        var bundle = JsonSerializer.Deserialize<Bundle>(await search.Content.ReadAsStringAsync(), FhirTests.Strict);
        Assert.Equal(expected, ((QuestionnaireResponse)bundle.Entry.Single().Resource).Status);
        Assert.Equal("low", (string)(await GetOkAsync($"/api/v1/patients/{patient}/questionnaires"))["items"]![0]!["alert"]!["level"]!);
    }

    [Fact]
    public async Task A_subject_given_as_an_absolute_reference_to_this_server_is_accepted()
    {
        var patient = await CreatePatientAsync();
        var qr = Phq9(patient, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        qr["subject"] = new JsonObject { ["reference"] = $"https://outcomes.test.example/fhir/r4/Patient/{patient}" };
        var (status, body, _) = await PostFhirAsync(qr);
        Assert.True(status == HttpStatusCode.Created, body);
    }

    [Fact]
    public async Task An_intake_forms_own_sections_are_not_read_and_sender_totals_are_ignored()
    {
        var patient = await CreatePatientAsync();
        var qr = Response(patient, "https://clinic.example/Questionnaire/intake",
        [
            Group("history", [Item("allergies", new JsonObject { ["valueString"] = "a" }, new JsonObject { ["valueString"] = "b" })]),
            Group("/44249-1", Phq9Answers([3, 3, 3, 3, 3, 3, 3, 3, 3]).Append(Item("/44261-6", new JsonObject { ["valueInteger"] = 2 }))),
        ]);
        var (status, body, _) = await PostFhirAsync(qr);
        Assert.True(status == HttpStatusCode.Created, body);
        Assert.Equal(27, (int)(await GetOkAsync($"/api/v1/patients/{patient}/questionnaires"))["items"]![0]!["totalScore"]!);
    }

    [Fact]
    public async Task A_GAD7_with_its_difficulty_item_is_accepted_as_a_GAD7()
    {
        var patient = await CreatePatientAsync();
        var qr = Response(patient, "http://loinc.org/q/69737-5", Gad7Codes.Select(c => Item("/" + c, Frequency(2)))
            .Append(Item("/69722-7", Coding(Loinc, "LA6573-5"))));
        var (status, body, _) = await PostFhirAsync(qr);
        Assert.True(status == HttpStatusCode.Created, body);
        var q = (await GetOkAsync($"/api/v1/patients/{patient}/questionnaires"))["items"]!.AsArray().Single()!;
        Assert.Equal("gad7", (string)q["instrument"]!);
        Assert.Equal(14, (int)q["totalScore"]!);
    }

    [Theory]
    [InlineData("phq-9-{0}")]
    [InlineData("PHQ9_{0}")]
    [InlineData("/44249-1/{1}")]
    [InlineData("phq9_q{0}")]
    public async Task PHQ9_items_are_recognised_by_position_or_nested_path(string pattern)
    {
        var patient = await CreatePatientAsync();
        var qr = Response(patient, "http://loinc.org/q/44249-1",
            Phq9Codes.Select((c, i) => Item(string.Format(System.Globalization.CultureInfo.InvariantCulture, pattern, i + 1, c), Frequency(i == 8 ? 2 : 1))));
        var (status, body, _) = await PostFhirAsync(qr);
        Assert.True(status == HttpStatusCode.Created, body);
        var q = (await GetOkAsync($"/api/v1/patients/{patient}/questionnaires"))["items"]![0]!;
        Assert.Equal(10, (int)q["totalScore"]!);
        Assert.Equal("moderate", (string)q["alert"]!["level"]!);
    }

    [Theory]
    [InlineData("application/fhir+json; charset=utf8", false)]
    [InlineData("application/fhir+json; charset=\"utf-8\"", false)]
    [InlineData("application/fhir+json; fhirVersion=4.0.0", false)]
    [InlineData("application/json+fhir", false)]
    [InlineData("application/fhir+json; charset=utf-8", true)]
    public async Task UTF8_R4_bodies_are_read_whatever_the_spelling_and_with_a_byte_order_mark(string contentType, bool byteOrderMark)
    {
        var patient = await CreatePatientAsync();
        var json = Encoding.UTF8.GetBytes(Phq9(patient, 1, 1, 1, 1, 1, 1, 1, 1, 3).ToJsonString());
        using var content = new ByteArrayContent(byteOrderMark ? [.. Encoding.UTF8.Preamble, .. json] : json);
        content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        using var response = await Client.PostAsync("/fhir/r4/QuestionnaireResponse", content);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        Assert.Equal("high", (string)(await GetOkAsync($"/api/v1/patients/{patient}/questionnaires"))["items"]![0]!["alert"]!["level"]!);
    }

    [Fact]
    public async Task A_section_shown_but_skipped_whole_does_not_refuse_the_answered_one_beside_it()
    {
        var patient = await CreatePatientAsync();
        var qr = Response(patient, "https://clinic.example/Questionnaire/intake",
        [
            Group("/44249-1", Phq9Answers([1, 1, 1, 1, 1, 1, 1, 1, 1])),
            Group("/69737-5", Gad7Codes.Select(c => new JsonObject { ["linkId"] = "/" + c })),
        ]);
        var (status, body, _) = await PostFhirAsync(qr);
        Assert.True(status == HttpStatusCode.Created, body);
        var q = (await GetOkAsync($"/api/v1/patients/{patient}/questionnaires"))["items"]!.AsArray().Single()!;
        Assert.Equal("phq9", (string)q["instrument"]!);
        Assert.Equal("low", (string)q["alert"]!["level"]!);
    }

    [Fact]
    public async Task A_local_coding_is_scored_through_the_iso21090_ordinal_extension()
    {
        var patient = await CreatePatientAsync();
        var qr = Phq9(patient, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        qr["item"]![8]!["answer"] = new JsonArray(new JsonObject
        {
            ["valueCoding"] = new JsonObject
            {
                ["extension"] = new JsonArray(new JsonObject { ["url"] = "http://hl7.org/fhir/StructureDefinition/iso21090-CO-value", ["valueDecimal"] = 2 }),
                ["system"] = "https://clinic.example/answers", ["code"] = "more-than-half",
            },
        });
        var (status, body, _) = await PostFhirAsync(qr);
        Assert.True(status == HttpStatusCode.Created, body);
        Assert.Equal("moderate", (string)(await GetOkAsync($"/api/v1/patients/{patient}/questionnaires"))["items"]![0]!["alert"]!["level"]!);
    }

    [Theory]
    [InlineData("application/fhir+json; fhirVersion=3.0")]
    [InlineData("application/fhir+json; charset=iso-8859-1")]
    [InlineData("text/plain")]
    [InlineData("application/fhir+json; foo=bar")]
    [InlineData("application/fhir+json; charset=utf-8; charset=utf-8")]
    public async Task A_body_of_another_FHIR_version_or_charset_is_a_415_and_stores_nothing(string contentType)
    {
        var patient = await CreatePatientAsync();
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(Phq9(patient, 1, 1, 1, 1, 1, 1, 1, 1, 3).ToJsonString()));
        content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        using var response = await Client.PostAsync("/fhir/r4/QuestionnaireResponse", content);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        var outcome = JsonSerializer.Deserialize<OperationOutcome>(await response.Content.ReadAsStringAsync(), FhirTests.Strict);
        Assert.Equal(OperationOutcome.IssueType.NotSupported, outcome.Issue[0].Code);
        Assert.Contains(contentType.Contains("fhirVersion", StringComparison.Ordinal) ? "fhirVersion" : contentType.Contains("foo", StringComparison.Ordinal) ? "foo"
            : contentType.Contains("charset", StringComparison.Ordinal) ? "charset" : "application/fhir+json",
            outcome.Issue[0].Diagnostics, StringComparison.Ordinal);
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM questionnaires"));
    }

    [Theory]
    [InlineData("key-a", "key-b")]
    [InlineData("key-a", "key-a")]
    public async Task A_repeated_idempotency_key_header_is_refused_and_stores_nothing(params string[] keys)
    {
        var patient = await CreatePatientAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/fhir/r4/QuestionnaireResponse")
        {
            Content = new StringContent(Phq9(patient, 1, 1, 1, 1, 1, 1, 1, 1, 3).ToJsonString(), Encoding.UTF8, "application/fhir+json"),
        };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", keys);
        using var response = await Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var outcome = JsonSerializer.Deserialize<OperationOutcome>(await response.Content.ReadAsStringAsync(), FhirTests.Strict);
        Assert.Equal("Idempotency-Key", outcome.Issue[0].Expression.Single());
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM questionnaires"));
    }

    [Fact]
    public async Task The_capability_statement_names_the_yes_no_codings_and_statuses_accepted()
    {
        using var response = await ClientWith(null).GetAsync("/fhir/r4/metadata");
        var cs = JsonSerializer.Deserialize<CapabilityStatement>(await response.Content.ReadAsStringAsync(), FhirTests.Strict);
        var doc = cs.Rest.Single().Resource.Single(r => r.Type == "QuestionnaireResponse").Documentation;
        foreach (var expected in new[] { "LA33-6", "LA32-8", "373066001", "373067005", "valueBoolean", "http://snomed.info/sct", "in-progress", "422", "transaction-response" })
            Assert.Contains(expected, doc, StringComparison.Ordinal);
    }
}
