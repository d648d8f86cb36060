using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Tests.Plans;

/// <summary>
/// <c>GET/PUT /sites/{siteId}/measurement-plan</c> on the test's real store: the default plan as version 0, versions
/// appended with If-Match, field-named 400s, site-bound keys, the audit row and the actor of each version.
/// </summary>
public class MeasurementPlanTests : ApiTest
{
    internal const string WeeklyPlan = """
        {"rules":[
          {"id":"baseline","instrument":"phq9","anchor":"enrolment","windowDays":3},
          {"id":"after-1-3","instrument":"phq9","anchor":"after-infusion","offsetHours":24,"windowHours":48,"sessions":[3,1]},
          {"id":"weekly-cssrs","instrument":"cssrs","anchor":"interval","everyDays":7,"phase":"on-treatment","windowDays":2}
        ]}
        """;

    private const string Url = "/api/v1/sites/north/measurement-plan";

    internal static async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> PutPlanAsync(
        HttpClient client, string url, string body, string? ifMatch)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
    }

    [Fact]
    public async Task A_site_without_a_plan_reads_the_default_plan_as_version_0()
    {
        var response = await Client.GetAsync(Url);
        var plan = (await response.Content.ReadFromJsonAsync<JsonNode>())!;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("W/\"0\"", response.Headers.ETag!.ToString());
        Assert.Equal(("north", 0, true), ((string)plan["siteId"]!, (int)plan["version"]!, (bool)plan["default"]!));
        Assert.Null(plan["changedAt"]);
        Assert.Null(plan["changedBy"]);
        Assert.Equal(
            """[{"id":"enrolment-phq9","instrument":"phq9","anchor":"enrolment","windowDays":7},{"id":"enrolment-gad7","instrument":"gad7","anchor":"enrolment","windowDays":7},{"id":"enrolment-cssrs","instrument":"cssrs","anchor":"enrolment","windowDays":7},{"id":"after-infusion-phq9","instrument":"phq9","anchor":"after-infusion","offsetHours":24,"windowHours":24,"sessions":[1,2,3,4,5,6]},{"id":"interval-phq9","instrument":"phq9","anchor":"interval","windowDays":3,"everyDays":14,"phase":"any"},{"id":"interval-cssrs","instrument":"cssrs","anchor":"interval","windowDays":3,"everyDays":14,"phase":"any"}]""",
            plan["rules"]!.ToJsonString());
    }

    [Fact]
    public async Task Put_with_the_read_version_stores_the_next_version_named_for_its_actor_and_read_back()
    {
        var created = await Admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "plan admin", role = "admin" });
        var key = (await created.Content.ReadFromJsonAsync<JsonNode>())!;
        using var admin = ClientWith((string)key["key"]!);
        var (status, stored, response) = await PutPlanAsync(admin, Url, WeeklyPlan, "W/\"0\"");
        Assert.True(status == HttpStatusCode.OK, stored?.ToJsonString());
        Assert.Equal("W/\"1\"", response.Headers.ETag!.ToString());
        Assert.Equal((1, false), ((int)stored!["version"]!, (bool)stored["default"]!));
        Assert.Equal($$"""{"type":"key","id":"{{key["id"]}}","name":"plan admin"}""", stored["changedBy"]!.ToJsonString());
        Assert.True(DateTimeOffset.UtcNow - (DateTimeOffset)stored["changedAt"]! < TimeSpan.FromMinutes(1));
        // Sessions come back in ascending order; fields an anchor does not take are left out.
        Assert.Equal(
            """[{"id":"baseline","instrument":"phq9","anchor":"enrolment","windowDays":3},{"id":"after-1-3","instrument":"phq9","anchor":"after-infusion","offsetHours":24,"windowHours":48,"sessions":[1,3]},{"id":"weekly-cssrs","instrument":"cssrs","anchor":"interval","windowDays":2,"everyDays":7,"phase":"on-treatment"}]""",
            stored["rules"]!.ToJsonString());

        var read = await GetOkAsync(Url);
        Assert.Equal(stored.ToJsonString(), read.ToJsonString());

        // A strong ETag names the same version; the next PUT is version 2.
        var (second, again, _) = await PutPlanAsync(Admin, Url, """{"rules":[{"id":"only","instrument":"gad7","anchor":"enrolment","windowDays":1}]}""", "\"1\"");
        Assert.Equal(HttpStatusCode.OK, second);
        Assert.Equal(2, (int)again!["version"]!);

        // Every version is kept, in order, and the table refuses changing one.
        await using var c = await App.OpenConnectionAsync();
        var versions = (await c.QueryAsync<int>("SELECT version FROM measurement_plans WHERE site_id = 'north' ORDER BY version")).ToArray();
        Assert.Equal(new[] { 1, 2 }, versions);
        await Assert.ThrowsAnyAsync<Exception>(() => c.ExecuteAsync("UPDATE measurement_plans SET rules = '[]' WHERE site_id = 'north'"));
        await Assert.ThrowsAnyAsync<Exception>(() => c.ExecuteAsync("DELETE FROM measurement_plans WHERE site_id = 'north'"));
    }

    [Fact]
    public async Task Put_without_If_Match_answers_428_and_with_a_stale_version_412_storing_nothing()
    {
        Assert.Equal(HttpStatusCode.PreconditionRequired, (await PutPlanAsync(Admin, Url, WeeklyPlan, null)).Status);
        Assert.Equal(HttpStatusCode.OK, (await PutPlanAsync(Admin, Url, WeeklyPlan, "W/\"0\"")).Status);
        // A second admin who read version 0 too: refused, version 1 stays current.
        var (stale, problem, _) = await PutPlanAsync(Admin, Url, """{"rules":[{"id":"x","instrument":"phq9","anchor":"enrolment","windowDays":1}]}""", "W/\"0\"");
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale);
        Assert.Contains("version 1", (string)problem!["detail"]!, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await PutPlanAsync(Admin, Url, WeeklyPlan, "W/\"7\"")).Status);
        Assert.Equal(1, (int)(await GetOkAsync(Url))["version"]!);
    }

    [Theory]
    [InlineData("*")]
    [InlineData("W/\"0\", W/\"1\"")]
    [InlineData("0")]
    public async Task A_malformed_If_Match_answers_400_naming_it(string ifMatch)
    {
        var (status, problem, _) = await PutPlanAsync(Admin, Url, WeeklyPlan, ifMatch);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["If-Match"], ErrorKeys(problem));
    }

    [Theory]
    [InlineData("W/\"-1\"")]
    [InlineData("W/\"00\"")]
    [InlineData("W/\"v0\"")]
    public async Task An_If_Match_naming_no_version_of_the_plan_answers_412(string ifMatch)
    {
        var (status, _, _) = await PutPlanAsync(Admin, Url, WeeklyPlan, ifMatch);
        Assert.Equal(HttpStatusCode.PreconditionFailed, status);
    }

    [Theory]
    [InlineData("""{"rules":[]}""", "rules")]
    [InlineData("""{}""", "rules")]
    [InlineData("""{"rules":[{"id":"a","instrument":"phq9","anchor":"interval","everyDays":0,"phase":"any","windowDays":3}]}""", "rules[0].everyDays")]
    [InlineData("""{"rules":[{"id":"a","instrument":"phq9","anchor":"enrolment","windowDays":3},{"id":"a","instrument":"gad7","anchor":"enrolment","windowDays":3}]}""", "rules[1].id")]
    [InlineData("""{"rules":[{"id":"a","instrument":"phq9","anchor":"enrolment","windowDays":3,"sessions":[1]}]}""", "rules[0].sessions")]
    [InlineData("""{"rules":[{"id":"a","instrument":"madrs","anchor":"enrolment","windowDays":3}]}""", "rules[0].instrument")]
    [InlineData("""{"rules":[{"id":"a","instrument":"phq9","anchor":"enrolment","windowDays":"3"}]}""", "rules[0].windowDays")]
    [InlineData("""{"rules":[{"id":"a","instrument":"phq9","anchor":"enrolment","windowDays":3,"window":3}]}""", "rules[0].window")]
    [InlineData("""{"rules":[{"id":"a","instrument":"phq9","anchor":"enrolment","windowDays":3}],"version":2}""", "version")]
    public async Task An_invalid_plan_answers_400_naming_the_field_and_stores_nothing(string body, string field)
    {
        var (status, problem, _) = await PutPlanAsync(Admin, Url, body, "W/\"0\"");
        Assert.True(status == HttpStatusCode.BadRequest, problem?.ToJsonString());
        Assert.Equal([field], ErrorKeys(problem));
        Assert.Equal(0, (int)(await GetOkAsync(Url))["version"]!);
    }

    [Fact]
    public async Task An_invalid_site_id_answers_400_naming_siteId()
    {
        var (status, body, _) = await SendAsync(HttpMethod.Get, "/api/v1/sites/no%20spaces/measurement-plan");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["siteId"], ErrorKeys(body));
    }

    [Fact]
    public async Task Site_bound_keys_read_and_change_only_their_own_sites_plan()
    {
        using var northAdmin = ClientWith(await CreateKeyAsync("admin", "north"));
        using var southClinician = ClientWith(await CreateKeyAsync("clinician", "south"));
        Assert.Equal(HttpStatusCode.OK, (await PutPlanAsync(northAdmin, Url, WeeklyPlan, "W/\"0\"")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await PutPlanAsync(northAdmin, "/api/v1/sites/south/measurement-plan", WeeklyPlan, "W/\"0\"")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await southClinician.GetAsync(Url)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await southClinician.GetAsync("/api/v1/sites/south/measurement-plan")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await PutPlanAsync(Client, Url, WeeklyPlan, "W/\"1\"")).Status); // a clinician reads, never changes
        Assert.Equal(1, (int)(await GetOkAsync(Url))["version"]!);
    }

    [Fact]
    public async Task Each_change_and_each_refused_change_leaves_an_audit_row_naming_the_acting_key_and_the_targeted_site()
    {
        using var northAdmin = ClientWith(await CreateKeyAsync("admin", "north"));
        Assert.Equal(HttpStatusCode.OK, (await PutPlanAsync(Admin, Url, WeeklyPlan, "W/\"0\"")).Status);
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await PutPlanAsync(Admin, Url, WeeklyPlan, "W/\"0\"")).Status);
        Assert.Equal(HttpStatusCode.PreconditionRequired, (await PutPlanAsync(Admin, Url, WeeklyPlan, null)).Status);
        Assert.Equal(HttpStatusCode.BadRequest, (await PutPlanAsync(Admin, Url, """{"rules":[]}""", "W/\"1\"")).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await PutPlanAsync(northAdmin, "/api/v1/sites/south/measurement-plan", WeeklyPlan, "W/\"0\"")).Status);

        var rows = (await Admin.GetFromJsonAsync<JsonNode>("/api/v1/audit?action=PutMeasurementPlan&limit=500"))!["items"]!.AsArray()
            .Select(r => ((string)r!["keyId"]!, (string)r["role"]!, (int)r["statusCode"]!, (string?)r["siteId"], (string?)r["patientId"]))
            .OrderBy(r => r.Item3).ToArray();
        var bootstrap = ApiKeyStore.BootstrapKeyId.ToString();
        // Every attempt names the site it targeted (the route's), done or refused: the site's audit shows each attempt on its plan.
        Assert.Equal([
            (bootstrap, "admin", 200, "north", null), (bootstrap, "admin", 400, "north", null),
            (bootstrap, "admin", 412, "north", null), (bootstrap, "admin", 428, "north", null)],
            rows.Where(r => r.Item1 == bootstrap));
        var refused = Assert.Single(rows, r => r.Item1 != bootstrap);
        Assert.Equal(("admin", 403, "south"), (refused.Item2, refused.Item3, refused.Item4));
    }

    [Fact]
    public async Task Every_bad_field_of_a_plan_is_named_in_one_400()
    {
        var (status, problem, _) = await PutPlanAsync(Admin, Url,
            """{"rules":[{"id":"A","instrument":"bdi","anchor":"weekly","windowDays":0,"zzz":1},{"id":"b","instrument":"phq9","anchor":"enrolment"}],"v":1}""", "W/\"0\"");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        // An unknown anchor still holds windowDays to its range (0 is below 1 for every anchor that takes it); the second
        // rule misses its window.
        Assert.Equal(["rules[0].anchor", "rules[0].id", "rules[0].instrument", "rules[0].windowDays", "rules[0].zzz", "rules[1].windowDays", "v"],
            ErrorKeys(problem).Order(StringComparer.Ordinal));
        Assert.Equal(0, (int)(await GetOkAsync(Url))["version"]!);
    }

    [Fact]
    public async Task Every_bad_session_number_is_named_by_its_index()
    {
        var (status, problem, _) = await PutPlanAsync(Admin, Url,
            """{"rules":[{"id":"a","instrument":"phq9","anchor":"after-infusion","offsetHours":24,"windowHours":24,"sessions":["2",1,1,0,101,null,2.5]}]}""", "W/\"0\"");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var errors = problem!["errors"]!.AsObject().ToDictionary(e => e.Key, e => (string)e.Value![0]!);
        Assert.Equal(new Dictionary<string, string>
        {
            ["rules[0].sessions[0]"] = "Must be a whole JSON number, e.g. 2.",
            ["rules[0].sessions[2]"] = "Already listed; session numbers must be distinct.",
            ["rules[0].sessions[3]"] = "Must be a session number 1–100.",
            ["rules[0].sessions[4]"] = "Must be a session number 1–100.",
            ["rules[0].sessions[5]"] = "Must be a whole JSON number, e.g. 2.",
            ["rules[0].sessions[6]"] = "Must be a whole JSON number, e.g. 2.",
        }, errors);
    }

    [Theory]
    [InlineData("99999999999", "Must be an integer 1–90.")]   // beyond 32 bits: still a whole number out of range
    [InlineData("-99999999999", "Must be an integer 1–90.")]
    [InlineData("3.5", "Must be a whole JSON number, e.g. 2.")]
    [InlineData("\"3\"", "Must be a whole JSON number, e.g. 2.")]
    [InlineData("true", "Must be a whole JSON number, e.g. 2.")]
    public async Task A_window_that_is_not_a_number_in_range_says_what_is_expected(string value, string message)
    {
        var (status, problem, _) = await PutPlanAsync(Admin, Url,
            $$"""{"rules":[{"id":"a","instrument":"phq9","anchor":"enrolment","windowDays":{{value}}}]}""", "W/\"0\"");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal([message], problem!["errors"]!["rules[0].windowDays"]!.AsArray().Select(m => (string)m!));
    }

    [Theory]
    [InlineData("""{"rules":[{"id":"a","id":"b","instrument":"phq9","anchor":"enrolment","windowDays":3}]}""", "rules[0].id")]
    [InlineData("""{"rules":[{"id":"a","instrument":"phq9","anchor":"enrolment","windowDays":3}],"rules":[]}""", "rules")]
    [InlineData("""{"Rules":[{"id":"a","instrument":"phq9","anchor":"enrolment","windowDays":3}]}""", "Rules")]
    [InlineData("""[]""", "body")]
    [InlineData("""{"rules":[1]}""", "rules[0]")]
    [InlineData("""{"rules":{"id":"a"}}""", "rules")]
    [InlineData("""{"rules":[{"id":"a","instrument":"phq9","anchor":"enrolment","windowDays":3}]""", "body")]
    public async Task Repeated_unknown_and_mistyped_fields_and_broken_JSON_are_refused_by_name(string body, string field)
    {
        var (status, problem, _) = await PutPlanAsync(Admin, Url, body, "W/\"0\"");
        Assert.True(status == HttpStatusCode.BadRequest, problem?.ToJsonString());
        Assert.Contains(field, ErrorKeys(problem));
        Assert.Equal(0, (int)(await GetOkAsync(Url))["version"]!);
    }

    [Theory]
    [InlineData("""{"rules":[{"id":"\xff","instrument":"phq9","anchor":"enrolment","windowDays":3}]}""")]
    [InlineData("""{"rules":[{"id":"a","instrument":"phq9","anchor":"enrolment","windowDays":3,"z\xff":1}]}""")]
    public async Task A_body_that_is_not_valid_UTF8_inside_a_string_or_a_field_name_answers_400_naming_body_not_500(string template)
    {
        // \xff stands for the single byte 0xFF, never valid in UTF-8.
        var parts = template.Split("\\xff");
        var bytes = Encoding.UTF8.GetBytes(parts[0]).Append((byte)0xFF).Concat(Encoding.UTF8.GetBytes(parts[1])).ToArray();
        using var request = new HttpRequestMessage(HttpMethod.Put, Url) { Content = new ByteArrayContent(bytes) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        request.Headers.TryAddWithoutValidation("If-Match", "W/\"0\"");
        using var response = await Admin.SendAsync(request);
        var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, problem?.ToJsonString());
        Assert.Equal(["body"], ErrorKeys(problem));
        Assert.Equal(0, (int)(await GetOkAsync(Url))["version"]!);
    }

    [Fact]
    public async Task The_same_Idempotency_Key_and_body_replay_the_first_200_and_another_If_Match_is_another_request()
    {
        async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> PutAsync(string body, string ifMatch, string key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Put, Url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
            var response = await Admin.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
        }
        var (first, stored, firstResponse) = await PutAsync(WeeklyPlan, "W/\"0\"", "plan-change-1");
        Assert.Equal(HttpStatusCode.OK, first);
        // A retry after a lost answer (formatting and session order aside, the same plan): the first answer, not a 412.
        var (again, replayed, response) = await PutAsync(WeeklyPlan.Replace("[3,1]", "[1, 3]", StringComparison.Ordinal), "W/\"0\"", "plan-change-1");
        Assert.Equal(HttpStatusCode.OK, again);
        Assert.Equal(stored!.ToJsonString(), replayed!.ToJsonString());
        Assert.Equal(("W/\"1\"", "true"), (response.Headers.ETag!.ToString(), response.Headers.GetValues("Idempotent-Replayed").Single()));
        Assert.Equal(firstResponse.Headers.ETag, response.Headers.ETag);
        // The same key naming another version, or with another plan, is another request: 422, nothing stored.
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await PutAsync(WeeklyPlan, "W/\"1\"", "plan-change-1")).Status);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await PutAsync("""{"rules":[{"id":"x","instrument":"phq9","anchor":"enrolment","windowDays":1}]}""", "W/\"0\"", "plan-change-1")).Status);
        Assert.Equal(1, (int)(await GetOkAsync(Url))["version"]!);
    }

    [Fact]
    public async Task The_plan_endpoints_read_no_query_parameters()
    {
        var (status, problem, _) = await SendAsync(HttpMethod.Get, Url + "?version=1");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["version"], ErrorKeys(problem));
        var (put, refused, _) = await PutPlanAsync(Admin, Url + "?dryRun=true", WeeklyPlan, "W/\"0\"");
        Assert.Equal(HttpStatusCode.BadRequest, put);
        Assert.Equal(["dryRun"], ErrorKeys(refused));
        Assert.Equal(0, (int)(await GetOkAsync(Url))["version"]!);
    }
}
