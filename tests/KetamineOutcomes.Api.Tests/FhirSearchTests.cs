#nullable disable warnings // Firely POCOs are loosely annotated; the assertions check for nulls themselves.
using System.Net;
using System.Text;
using System.Text.Json;
using Hl7.Fhir.Model;
using KetamineOutcomes.Api.Fhir;
using Microsoft.AspNetCore.WebUtilities;
using Task = System.Threading.Tasks.Task;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// FHIR R4 search and response rules: token forms, OR/AND, unsupported parameters and <c>self</c>, <c>_count=0</c>,
/// 406 for XML/Turtle, keyset paging under concurrent writes, links from PublicBaseUrl, routing diagnostics.
/// Every response is parsed with Firely in strict mode.
/// </summary>
public class FhirSearchTests : ApiTest
{
    private const string FhirBase = OutcomesApp.PublicBaseUrl + "/fhir/r4";
    private const string AllCodes = "44260-8,44261-6,93374-7";

    private static T Parse<T>(string json) where T : Resource => JsonSerializer.Deserialize<T>(json, FhirTests.Strict)!;

    private async Task<(HttpStatusCode Status, string Body, HttpResponseMessage Response)> FhirAsync(
        HttpMethod method, string url, string body = null, string contentType = "application/fhir+json", params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, contentType);
        foreach (var (name, value) in headers)
        {
            if (name == "Host") request.Headers.Host = value;
            else Assert.True(request.Headers.TryAddWithoutValidation(name, value), name);
        }
        var response = await Client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    private async Task<Bundle> SearchAsync(string url, params (string Name, string Value)[] headers)
    {
        var (status, body, _) = await FhirAsync(HttpMethod.Get, url, headers: headers);
        Assert.True(status == HttpStatusCode.OK, $"GET {url} → {(int)status}: {body}");
        return Parse<Bundle>(body);
    }

    /// <summary>A PHQ-9 on 2 March (total 44261-6 and item 9 44260-8) and a C-SSRS check-in on 4 March (risk 93374-7).</summary>
    private async Task<string> PatientWithThreeObservationsAsync()
    {
        var patient = await CreatePatientAsync();
        await Phq9Async(patient, Day0, Phq9Items(12));
        await CreatedAsync($"/api/v1/patients/{patient}/suicidality-checkins",
            new { completedAt = Iso(Day0.AddDays(2)), wishToBeDead = false, suicidalThoughts = false, suicidalBehavior = "none" });
        return patient;
    }

    private static string Codes(Bundle b) =>
        string.Join(',', b.Entry.Select(e => ((Observation)e.Resource).Code.Coding.Single().Code).Order(StringComparer.Ordinal));

    private static string[] QueryNames(string url)
    {
        var names = new List<string>();
        foreach (var pair in new QueryStringEnumerable(new Uri(url).Query)) names.Add(pair.DecodeName().ToString());
        return [.. names];
    }

    private static string Link(Bundle b, string relation) => b.Link.SingleOrDefault(l => l.Relation == relation)?.Url;

    [Theory]
    [InlineData("code=44261-6", "44261-6")]
    [InlineData("code=http://loinc.org|44261-6", "44261-6")]
    [InlineData("code=http://snomed.info/sct|44261-6", "")]
    [InlineData("code=|44261-6", "")]
    [InlineData("code=http://loinc.org|", AllCodes)]
    [InlineData("code=http://snomed.info/sct|", "")]
    [InlineData("category=survey", AllCodes)]
    [InlineData("category=http://terminology.hl7.org/CodeSystem/observation-category|survey", AllCodes)]
    [InlineData("category=http://terminology.hl7.org/CodeSystem/observation-category|", AllCodes)]
    [InlineData("category=http://loinc.org|survey", "")]
    [InlineData("category=|survey", "")]
    [InlineData("category=laboratory", "")]
    public async Task Token_system_bar_code_matches_that_system_only_bar_code_no_system_and_system_bar_any_code(string token, string expectedCodes)
    {
        var patient = await PatientWithThreeObservationsAsync();
        var bundle = await SearchAsync($"/fhir/r4/Observation?patient={patient}&{token}");
        Assert.Equal(expectedCodes, Codes(bundle));
        Assert.Equal(bundle.Entry.Count, bundle.Total);
    }

    [Theory]
    [InlineData("code=44261-6,44260-8", "44260-8,44261-6")]
    [InlineData("code=44261-6&code=44260-8", "")]
    [InlineData("code=44261-6&code=http://loinc.org|44261-6", "44261-6")]
    [InlineData("code=44261-6,93374-7&code=93374-7,44260-8", "93374-7")]
    [InlineData("code=http://snomed.info/sct|44261-6,http://loinc.org|93374-7", "93374-7")]
    [InlineData("category=survey&code=93374-7", "93374-7")]
    [InlineData("category=survey&category=laboratory", "")]
    [InlineData("date=2026-03-02,2026-03-04", AllCodes)]
    [InlineData("date=2026-03-02&date=2026-03-04", "")]
    [InlineData("date=ge2026-03-03&date=le2026-03-04", "93374-7")]
    public async Task A_comma_within_one_value_is_OR_and_a_repeated_parameter_is_AND(string query, string expectedCodes)
    {
        var patient = await PatientWithThreeObservationsAsync();
        Assert.Equal(expectedCodes, Codes(await SearchAsync($"/fhir/r4/Observation?patient={patient}&{query}")));
    }

    [Theory]
    [InlineData("Observation", "status=cancelled", "status")]
    [InlineData("Observation", "code:not=44261-6", "code:not")]
    [InlineData("Observation", "code:text=PHQ", "code:text")]
    [InlineData("Observation", "foo=bar", "foo")]
    [InlineData("Observation", "_offset=1", "_offset")]
    [InlineData("Observation", "_id=abc", "_id")]
    [InlineData("Observation", "_summary=count", "_summary")]
    [InlineData("Observation", "Code=44261-6", "Code")]
    [InlineData("QuestionnaireResponse", "code=44249-1", "code")]
    [InlineData("QuestionnaireResponse", "_offset=2", "_offset")]
    [InlineData("QuestionnaireResponse", "patient:Patient=x", "patient:Patient")]
    public async Task Unsupported_parameters_are_ignored_and_left_out_of_self_and_strict_handling_refuses_them_by_name(string resource, string parameter, string name)
    {
        var patient = await PatientWithThreeObservationsAsync();
        var url = $"/fhir/r4/{resource}?patient={patient}&{parameter}";
        var baseline = await SearchAsync($"/fhir/r4/{resource}?patient={patient}");

        foreach (var headers in new[] { Array.Empty<(string, string)>(), [("Prefer", "handling=lenient")] })
        {
            var bundle = await SearchAsync(url, headers);
            Assert.Equal(baseline.Total, bundle.Total);
            var self = Link(bundle, "self");
            Assert.Equal(["patient"], QueryNames(self));
            Assert.Equal($"{FhirBase}/{resource}?patient={patient}", self);
        }

        var (status, body, response) = await FhirAsync(HttpMethod.Get, url, headers: ("Prefer", "return=representation, handling=strict"));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        var issue = Assert.Single(Parse<OperationOutcome>(body).Issue);
        Assert.Equal(name, issue.Expression.Single());
        Assert.Contains("not supported", issue.Diagnostics, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Strict_handling_accepts_every_supported_parameter_and_format_json()
    {
        var patient = await PatientWithThreeObservationsAsync();
        var bundle = await SearchAsync(
            $"/fhir/r4/Observation?patient=Patient/{patient}&code=44261-6&category=survey&date=ge2026&_sort=-date&_count=5&_format=json", ("Prefer", "handling=strict"));
        Assert.Equal(1, bundle.Total);
        var responses = await SearchAsync($"/fhir/r4/QuestionnaireResponse?patient={patient}&_sort=-authored&_count=5", ("Prefer", "handling=strict"));
        Assert.Equal(2, responses.Total);
    }

    [Fact]
    public async Task Self_lists_exactly_the_applied_parameters_in_canonical_order_and_reproduces_the_page()
    {
        var patient = await PatientWithThreeObservationsAsync();
        var bundle = await SearchAsync(
            $"/fhir/r4/Observation?_offset=1&foo=bar&_count=1&code=44261-6,44260-8&patient=Patient/{patient}&code:not=x&date=ge2026-03-01&_format=json&category=");
        var self = Link(bundle, "self");
        Assert.StartsWith(FhirBase + "/Observation?", self, StringComparison.Ordinal);
        Assert.Equal(["patient", "code", "date", "_count"], QueryNames(self));
        Assert.DoesNotContain("foo", self, StringComparison.Ordinal);
        Assert.DoesNotContain("_format", self, StringComparison.Ordinal);

        var again = await SearchAsync(new Uri(self).PathAndQuery);
        Assert.Equal(bundle.Total, again.Total);
        Assert.Equal(bundle.Entry.Select(e => e.FullUrl), again.Entry.Select(e => e.FullUrl));
        var next = Link(bundle, "next");
        Assert.Equal(["patient", "code", "date", "_count", "_cursor"], QueryNames(next));
    }

    [Theory]
    [InlineData("Observation")]
    [InlineData("QuestionnaireResponse")]
    public async Task Count_0_returns_the_total_only_without_entries_or_next_link(string resource)
    {
        var patient = await PatientWithThreeObservationsAsync();
        var bundle = await SearchAsync($"/fhir/r4/{resource}?patient={patient}&_count=0");
        Assert.Equal(resource == "Observation" ? 3 : 2, bundle.Total);
        Assert.Empty(bundle.Entry);
        Assert.Null(Link(bundle, "next"));
        Assert.Equal(["patient", "_count"], QueryNames(Link(bundle, "self")));
    }

    [Theory]
    [InlineData("501")]
    [InlineData("-1")]
    [InlineData("99999999999")]
    [InlineData("1.5")]
    [InlineData("ten")]
    public async Task Count_outside_0_to_500_is_a_400_naming_count(string count)
    {
        var patient = await CreatePatientAsync();
        var (status, body, _) = await FhirAsync(HttpMethod.Get, $"/fhir/r4/Observation?patient={patient}&_count={count}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("_count", Parse<OperationOutcome>(body).Issue.Single().Expression.Single());
    }

    /// <summary>One FHIR interaction of each kind, against a patient with two stored responses.</summary>
    private async Task<(string Patient, string Method, string Url, string Body)> InteractionAsync(string kind)
    {
        var patient = await PatientWithThreeObservationsAsync();
        var qr = (await SearchAsync($"/fhir/r4/QuestionnaireResponse?patient={patient}")).Entry[0].Resource.Id;
        var (method, url, body) = kind switch
        {
            "metadata" => ("GET", "/fhir/r4/metadata", null),
            "search-observation" => ("GET", $"/fhir/r4/Observation?patient={patient}", null),
            "search-response" => ("GET", $"/fhir/r4/QuestionnaireResponse?patient={patient}", null),
            "read" => ("GET", $"/fhir/r4/QuestionnaireResponse/{qr}", null),
            "create" => ("POST", "/fhir/r4/QuestionnaireResponse", WithSubject(FhirTests.Fixture("us-core-QuestionnaireResponse-phq-9-example.json"), patient)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        return (patient, method, url, body);
    }

    private static string WithSubject(string json, string patientId)
    {
        var qr = Parse<QuestionnaireResponse>(json);
        qr.Subject = new ResourceReference($"Patient/{patientId}");
        return JsonSerializer.Serialize(qr, FhirTests.Strict);
    }

    private static string WithQuery(string url, string query) => url + (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + query;

    [Theory]
    [InlineData("metadata", "application/fhir+xml", null)]
    [InlineData("metadata", null, "xml")]
    [InlineData("metadata", "text/turtle", null)]
    [InlineData("search-observation", "application/xml", null)]
    [InlineData("search-observation", null, "ttl")]
    [InlineData("search-observation", "text/xml", null)]
    [InlineData("search-observation", "application/fhir+json;q=0, application/fhir+xml", null)]
    [InlineData("search-observation", "application/fhir+json", "xml")]
    [InlineData("search-response", null, "application/fhir%2Bxml")]
    [InlineData("search-response", "application/x-turtle", null)]
    [InlineData("read", "application/fhir+xml", null)]
    [InlineData("read", null, "text/turtle")]
    [InlineData("read", null, "application/xml")]
    [InlineData("create", "application/fhir+xml", null)]
    [InlineData("create", null, "xml")]
    [InlineData("create", "text/turtle", null)]
    public async Task XML_or_Turtle_by_Accept_or_format_is_a_406_operation_outcome_in_JSON(string kind, string? accept, string? format)
    {
        var (patient, method, url, body) = await InteractionAsync(kind);
        (string, string)[] headers = accept is null ? [] : [("Accept", accept)];
        var (status, text, response) = await FhirAsync(new HttpMethod(method), format is null ? url : WithQuery(url, $"_format={format}"), body, headers: headers);
        Assert.Equal(HttpStatusCode.NotAcceptable, status);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        var issue = Parse<OperationOutcome>(text).Issue.Single();
        Assert.Equal(OperationOutcome.IssueType.NotSupported, issue.Code);
        Assert.Contains("application/fhir+json only", issue.Diagnostics, StringComparison.Ordinal);
        // Refused before anything is stored.
        Assert.Equal(2, (await SearchAsync($"/fhir/r4/QuestionnaireResponse?patient={patient}&_count=0")).Total);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("*/*", null)]
    [InlineData("application/*", null)]
    [InlineData("application/json", null)]
    [InlineData("application/fhir+json", null)]
    [InlineData("application/fhir+json; fhirVersion=4.0", null)]
    [InlineData("application/fhir+xml;q=0.9, application/fhir+json;q=0.1", null)]
    [InlineData("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", null)]
    [InlineData(null, "json")]
    [InlineData(null, "application/json")]
    [InlineData(null, "application/fhir%2Bjson")]
    [InlineData(null, "application/fhir+json")] // an unencoded '+' arrives as a space
    [InlineData("application/xml", "json")]      // _format overrides Accept
    public async Task JSON_by_Accept_or_format_is_served_on_every_interaction(string? accept, string? format)
    {
        foreach (var kind in new[] { "metadata", "search-observation", "read", "create" })
        {
            var (_, method, url, body) = await InteractionAsync(kind);
            (string, string)[] headers = accept is null ? [] : [("Accept", accept)];
            var (status, text, response) = await FhirAsync(new HttpMethod(method), format is null ? url : WithQuery(url, $"_format={format}"), body, headers: headers);
            Assert.True(status is HttpStatusCode.OK or HttpStatusCode.Created, $"{kind}: {(int)status} {text}");
            Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
            Parse<Resource>(text);
        }
    }

    [Theory]
    [InlineData("Observation", "date")]
    [InlineData("Observation", "-date")]
    [InlineData("QuestionnaireResponse", "authored")]
    [InlineData("QuestionnaireResponse", "-authored")]
    public async Task Cursor_paging_neither_repeats_nor_skips_an_entry_while_another_task_posts_responses(string resource, string sort)
    {
        const int existing = 24, maxPosts = 30;
        var patient = await CreatePatientAsync();
        for (var i = 0; i < existing; i++) await Phq9Async(patient, Day0.AddHours(2 * i), Phq9Items(5));
        var filter = resource == "Observation" ? "&code=44261-6" : "";
        var before = (await SearchAsync($"/fhir/r4/{resource}?patient={patient}{filter}&_count=500")).Entry.Select(e => e.Resource.Id).ToHashSet();
        Assert.Equal(existing, before.Count);

        var posted = 0;
        var poster = Task.Run(async () =>
        {
            // Before, between and after the existing entries, in both sort directions: an offset shifts under each.
            for (var k = 0; k < maxPosts; k++)
            {
                var at = (k % 3) switch
                {
                    0 => Day0.AddMinutes(-1 - k),
                    1 => Day0.AddHours(2 * (k % existing)).AddMinutes(30 + k),
                    _ => Day0.AddHours(2 * existing + k),
                };
                await Phq9Async(patient, at, Phq9Items(7));
                Interlocked.Increment(ref posted);
            }
        });

        var descending = sort.StartsWith('-');
        var seen = new List<string>();
        var times = new List<DateTimeOffset>();
        var totals = new List<int>();
        var url = $"/fhir/r4/{resource}?patient={patient}{filter}&_sort={sort}&_count=4";
        while (url is not null)
        {
            var postedBefore = Volatile.Read(ref posted);
            var bundle = await SearchAsync(url);
            totals.Add(bundle.Total!.Value);
            seen.AddRange(bundle.Entry.Select(e => e.Resource.Id));
            times.AddRange(bundle.Entry.Select(e => e.Resource is Observation o
                ? ((FhirDateTime)o.Effective).ToDateTimeOffset(TimeSpan.Zero)
                : new FhirDateTime(((QuestionnaireResponse)e.Resource).Authored).ToDateTimeOffset(TimeSpan.Zero)));
            url = Link(bundle, "next") is { } next ? new Uri(next).PathAndQuery : null;
            if (url is not null) Assert.StartsWith(FhirBase, Link(bundle, "next"), StringComparison.Ordinal);
            // At least one more response lands between this page and the next (while the poster has any left).
            while (Volatile.Read(ref posted) == postedBefore && !poster.IsCompleted) await Task.Delay(2);
        }
        await poster;

        Assert.Empty(seen.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key));
        Assert.Empty(before.Except(seen));
        Assert.Equal(descending ? times.OrderByDescending(t => t) : times.OrderBy(t => t), times);
        Assert.True(totals.Count >= 6, $"{totals.Count} pages");
        Assert.True(totals[^1] > totals[0], "total counts the matches when each page is read");
    }

    [Theory]
    [InlineData("%00")]
    [InlineData("garbage!")]
    [InlineData("MS5hLnguMTIz")]                           // 1.a.x.123: ticks not a number
    [InlineData("Mi5hLjEuYWJj")]                           // 2.a.1.abc: unknown version
    [InlineData("MS5hLjk5OTk5OTk5OTk5OTk5OTk5OTkuYWJj")]   // ticks beyond DateTimeOffset
    [InlineData("MS5kLjYzOTA4MDAwMDAwMDAwMDAwMC5hYmM")]    // a -date cursor used with _sort=date
    public async Task A_malformed_or_foreign_cursor_is_a_400_naming_cursor(string cursor)
    {
        var patient = await PatientWithThreeObservationsAsync();
        foreach (var resource in new[] { "Observation", "QuestionnaireResponse" })
        {
            var (status, body, _) = await FhirAsync(HttpMethod.Get, $"/fhir/r4/{resource}?patient={patient}&_cursor={cursor}");
            Assert.True(status == HttpStatusCode.BadRequest, $"{resource}: {(int)status} {body}");
            Assert.Equal("_cursor", Parse<OperationOutcome>(body).Issue.Single().Expression.Single());
        }
    }

    [Fact]
    public async Task A_cursor_from_one_sort_order_is_refused_in_the_other()
    {
        var patient = await PatientWithThreeObservationsAsync();
        var next = Link(await SearchAsync($"/fhir/r4/Observation?patient={patient}&_sort=-date&_count=1"), "next");
        var (status, body, _) = await FhirAsync(HttpMethod.Get, new Uri(next.Replace("_sort=-date", "_sort=date", StringComparison.Ordinal)).PathAndQuery);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("_cursor", Parse<OperationOutcome>(body).Issue.Single().Expression.Single());
    }

    [Fact]
    public async Task Links_use_the_configured_PublicBaseUrl_and_never_a_forged_Host_header()
    {
        var patient = await PatientWithThreeObservationsAsync();
        (string, string)[] forged = [("Host", "evil.example"), ("X-Forwarded-Host", "evil.example"), ("X-Forwarded-Proto", "http")];
        foreach (var url in new[] { $"/fhir/r4/Observation?patient={patient}&_count=1", $"/fhir/r4/QuestionnaireResponse?patient={patient}&_count=1" })
        {
            var (status, body, _) = await FhirAsync(HttpMethod.Get, url, headers: forged);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.DoesNotContain("evil.example", body, StringComparison.OrdinalIgnoreCase);
            var bundle = Parse<Bundle>(body);
            var links = bundle.Link.Select(l => l.Url).Concat(bundle.Entry.Select(e => e.FullUrl)).ToArray();
            Assert.Equal(3, links.Length); // self, next, one entry
            Assert.All(links, l => Assert.StartsWith(FhirBase + "/", l, StringComparison.Ordinal));
        }
        var metadata = await FhirAsync(HttpMethod.Get, "/fhir/r4/metadata", headers: forged);
        Assert.DoesNotContain("evil.example", metadata.Body, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(FhirBase, Parse<CapabilityStatement>(metadata.Body).Implementation.Url);
    }

    [Theory]
    [InlineData("POST", "/fhir/r4/Observation", 405, "POST is not supported on /fhir/r4/Observation; supported: GET")]
    [InlineData("PUT", "/fhir/r4/metadata", 405, "PUT is not supported on /fhir/r4/metadata; supported: GET")]
    [InlineData("DELETE", "/fhir/r4/QuestionnaireResponse/8d1c7f0e-0000-4000-8000-000000000000", 405, "supported: GET")]
    [InlineData("PATCH", "/fhir/r4/QuestionnaireResponse", 405, "POST")]
    [InlineData("GET", "/fhir/r4/Patient", 404, "No FHIR route for GET /fhir/r4/Patient; this server supports metadata, Observation (search) and QuestionnaireResponse (read, search, create)")]
    [InlineData("GET", "/fhir/r4/Observation/abc-total", 404, "Observation (search)")]
    [InlineData("GET", "/fhir/r5/metadata", 404, "under /fhir/r4")]
    public async Task Routing_refusals_under_fhir_say_what_is_wrong_and_what_is_supported(string method, string path, int expected, string diagnostics)
    {
        var (status, body, response) = await FhirAsync(new HttpMethod(method), path, method is "POST" or "PUT" or "PATCH" ? "{}" : null);
        Assert.Equal(expected, (int)status);
        Assert.Equal("application/fhir+json", response.Content.Headers.ContentType?.MediaType);
        var issue = Parse<OperationOutcome>(body).Issue.Single();
        Assert.Contains(diagnostics, issue.Diagnostics, StringComparison.Ordinal);
        Assert.Equal(expected == 404 ? OperationOutcome.IssueType.NotFound : OperationOutcome.IssueType.NotSupported, issue.Code);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/fhir+xml")]
    [InlineData("application/x-www-form-urlencoded")]
    public async Task A_body_in_another_media_type_is_a_415_saying_to_send_fhir_json(string contentType)
    {
        var patient = await CreatePatientAsync();
        var body = WithSubject(FhirTests.Fixture("us-core-QuestionnaireResponse-phq-9-example.json"), patient);
        var (status, text, _) = await FhirAsync(HttpMethod.Post, "/fhir/r4/QuestionnaireResponse", body, contentType);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        var diagnostics = Parse<OperationOutcome>(text).Issue.Single().Diagnostics;
        Assert.Contains("Send application/fhir+json.", diagnostics, StringComparison.Ordinal);
        Assert.Contains(contentType, diagnostics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_handlers_own_404_keeps_its_message()
    {
        var (status, body, _) = await FhirAsync(HttpMethod.Get, $"/fhir/r4/QuestionnaireResponse/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("QuestionnaireResponse not found", Parse<OperationOutcome>(body).Issue.Single().Diagnostics, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("_count=99999999999")]
    [InlineData("date=")]
    [InlineData("date=ge")]
    [InlineData("date=2026-03-02,")]
    [InlineData("patient=")]
    [InlineData("patient=%00")]
    [InlineData("patient=Patient/")]
    [InlineData("patient=Patient/x,Patient/y")]
    [InlineData("code=|")]
    [InlineData("code=||")]
    [InlineData("code=a|b|c")]
    [InlineData("code=,")]
    [InlineData("code=%5C")]
    [InlineData("code=%5C|%5C,")]
    [InlineData("category=|")]
    [InlineData("_cursor=%00")]
    [InlineData("_cursor=")]
    [InlineData("_cursor=%FF%FE")]
    [InlineData("_sort=")]
    [InlineData("_sort=-")]
    [InlineData("_sort=date,_id")]
    [InlineData("_count=1&_count=2")]
    [InlineData("_id=,")]
    [InlineData("_id=%00")]
    [InlineData("%00=1")]
    [InlineData("=&&=")]
    [InlineData("_format=")]
    [InlineData("_format=%00")]
    public async Task No_query_string_shape_gets_a_5xx(string query)
    {
        var patient = await PatientWithThreeObservationsAsync();
        foreach (var path in new[] { $"/fhir/r4/Observation?patient={patient}&", "/fhir/r4/Observation?", $"/fhir/r4/QuestionnaireResponse?patient={patient}&", "/fhir/r4/QuestionnaireResponse?" })
        {
            foreach (var strict in new[] { false, true })
            {
                (string, string)[] headers = strict ? [("Prefer", "handling=strict")] : [];
                var (status, body, _) = await FhirAsync(HttpMethod.Get, path + query, headers: headers);
                Assert.True((int)status < 500, $"{path}{query} → {(int)status}: {body}");
                Parse<Resource>(body);
            }
        }
    }

    [Fact]
    public async Task Capability_statement_lists_exactly_the_search_parameters_each_search_applies()
    {
        var cs = Parse<CapabilityStatement>((await FhirAsync(HttpMethod.Get, "/fhir/r4/metadata")).Body);
        var resources = cs.Rest.Single().Resource.ToDictionary(r => r.Type);
        Assert.Equal(FhirEndpoints.ObservationParameters.Order(), resources["Observation"].SearchParam.Select(p => p.Name).Order());
        Assert.Equal(FhirEndpoints.ResponseParameters.Order(), resources["QuestionnaireResponse"].SearchParam.Select(p => p.Name).Order());
        Assert.Contains("0–500", resources["Observation"].SearchParam.Single(p => p.Name == "_count").Documentation, StringComparison.Ordinal);
        Assert.Contains("handling=strict", cs.Rest.Single().Documentation, StringComparison.Ordinal);
    }
}

/// <summary>PublicBaseUrl with a path: every absolute link keeps it.</summary>
public class FhirPublicBaseUrlPathTests() : ApiTest(new() { ["PublicBaseUrl"] = "https://clinic.example/outcomes/" })
{
    [Fact]
    public async Task A_PublicBaseUrl_with_a_path_prefixes_every_link()
    {
        var patient = await CreatePatientAsync();
        await Phq9Async(patient, Day0, Phq9Items(3));
        var metadata = JsonSerializer.Deserialize<CapabilityStatement>(await Client.GetStringAsync("/fhir/r4/metadata"), FhirTests.Strict)!;
        Assert.Equal("https://clinic.example/outcomes/fhir/r4", metadata.Implementation.Url);
        var bundle = JsonSerializer.Deserialize<Bundle>(await Client.GetStringAsync($"/fhir/r4/Observation?patient={patient}&_count=1"), FhirTests.Strict)!;
        Assert.All(bundle.Link.Select(l => l.Url).Append(bundle.Entry.Single().FullUrl),
            l => Assert.StartsWith("https://clinic.example/outcomes/fhir/r4/Observation", l, StringComparison.Ordinal));
    }
}
