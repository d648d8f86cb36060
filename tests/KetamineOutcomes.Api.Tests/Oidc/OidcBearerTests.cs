using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KetamineOutcomes.Api.Tests.Oidc;

/// <summary>
/// Bearer tokens from a real OpenID provider (SPEC v2 "People, not shared keys"), validated through its discovery
/// document and JWKS: what is refused with 401, what with 403, and who the service says acted.
/// </summary>
public sealed class OidcBearerTests(OidcProviderFixture oidc) : OidcApiTest(oidc)
{
    private static async Task<(HttpStatusCode Status, JsonNode? Problem, HttpResponseMessage Response)> GetAsync(HttpClient client, string url)
    {
        var response = await client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
    }

    [OidcFact]
    public async Task Expired_wrong_audience_wrong_issuer_and_unsigned_tokens_answer_401_problems_saying_why()
    {
        var now = DateTimeOffset.UtcNow;
        // The hand-signed path itself works: the refusals below are for what each token says, not for how it was made.
        using (var valid = BearerClient(await Provider.SignAsync(Provider.ClaimsFor("hand-signed", "clinician", now.AddMinutes(-1), TimeSpan.FromMinutes(10)))))
            Assert.Equal(HttpStatusCode.OK, (await valid.GetAsync("/api/v1/patients")).StatusCode);

        var cases = new (string Name, string Token, string Detail)[]
        {
            ("expired", await Provider.SignAsync(Provider.ClaimsFor("late", "clinician", now.AddHours(-2), TimeSpan.FromHours(1))), "expired"),
            ("wrong audience", await Provider.TokenAsync("clinician-user", "https://another-service.example/api"), "not meant for this service"),
            ("wrong issuer", await Provider.SignAsync(Provider.ClaimsFor("elsewhere", "clinician", now.AddMinutes(-1), TimeSpan.FromMinutes(10), issuer: "http://127.0.0.1:9")), "not from the configured issuer"),
            ("alg none", OidcProvider.WithoutSignature(Provider.ClaimsFor("unsigned", "admin", now.AddMinutes(-1), TimeSpan.FromMinutes(10))), "signature"),
            ("not a JWT", "not.a.jwt", "not valid"),
        };
        foreach (var (name, token, detail) in cases)
        {
            using var client = BearerClient(token);
            var (status, problem, response) = await GetAsync(client, "/api/v1/patients");
            Assert.True(status == HttpStatusCode.Unauthorized, $"{name} → {(int)status}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(detail, (string)problem!["detail"]!, StringComparison.Ordinal);
            Assert.Equal("Bearer error=\"invalid_token\"", response.Headers.WwwAuthenticate.ToString());
        }
    }

    [OidcFact]
    public async Task After_the_issuer_rotates_its_keys_new_tokens_work_without_a_restart_and_tokens_signed_by_the_dropped_key_answer_401()
    {
        var before = await Provider.TokenAsync("clinician-user");
        using (var client = BearerClient(before))
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/patients")).StatusCode);

        await Provider.RotateKeysAsync();
        var after = await Provider.TokenAsync("clinician-user");
        // The first request signed by a key the service has not seen is refused while it re-reads the issuer's JWKS in
        // the background (the library's on-demand refresh); from then on the new key is known: no restart.
        using (var client = BearerClient(after))
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            HttpStatusCode answer;
            while ((answer = (await client.GetAsync("/api/v1/patients")).StatusCode) != HttpStatusCode.OK && DateTime.UtcNow < deadline) await Task.Delay(100);
            Assert.Equal(HttpStatusCode.OK, answer);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/v1/patients")).StatusCode);
        }

        using var old = BearerClient(before);
        var (status, problem, _) = await GetAsync(old, "/api/v1/patients");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("The bearer token is not signed by a key the issuer publishes.", (string)problem!["detail"]!);
    }

    [OidcFact]
    public async Task A_token_without_exactly_one_known_role_or_with_two_sites_answers_403_saying_why_and_is_audited_by_name()
    {
        foreach (var (client, detail) in new[]
        {
            ("no-role", "names no role of this service"),
            ("two-roles", "more than one role"),
            ("two-sites", "more than one site"),
        })
        {
            using var signedIn = await SignedInAsync(client);
            var (status, problem, _) = await GetAsync(signedIn, "/api/v1/patients");
            Assert.True(status == HttpStatusCode.Forbidden, $"{client} → {(int)status}");
            Assert.Contains(detail, (string)problem!["detail"]!, StringComparison.Ordinal);
        }
        var audit = (await Admin.GetFromJsonAsync<JsonNode>("/api/v1/audit?action=ListPatients"))!["items"]!.AsArray();
        var refused = Assert.Single(audit, row => (string?)row!["actor"]?["id"] == "no-role")!;
        Assert.Equal("denied", (string)refused["outcome"]!);
        Assert.Equal("user", (string)refused["actor"]!["type"]!);
        Assert.Null(refused["role"]);
        Assert.Null(refused["clientAddress"]);
    }

    [OidcFact]
    public async Task An_api_key_and_a_bearer_token_on_one_request_answer_401_naming_the_ambiguity()
    {
        var token = await Provider.TokenAsync("clinician-user");
        using var both = BearerClient(token);
        both.DefaultRequestHeaders.Add("X-Api-Key", ClinicianKey);
        var (status, problem, _) = await GetAsync(both, "/api/v1/patients");
        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("Send either an API key (X-Api-Key) or a bearer token (Authorization: Bearer), not both.", (string)problem!["detail"]!);

        using var tokenOnly = BearerClient(token);
        Assert.Equal(HttpStatusCode.OK, (await tokenOnly.GetAsync("/api/v1/patients")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Client.GetAsync("/api/v1/patients")).StatusCode);
    }

    [OidcFact]
    public async Task A_signed_in_nurse_who_acknowledges_an_alert_and_corrects_a_record_is_named_on_the_alert_in_history_and_in_the_audit_trail()
    {
        var patient = await CreatePatientAsync(siteId: "north");
        var phq9 = await Phq9Async(patient, Day0, Phq9Items(14, item9: 2));
        var keyAlertPatient = await CreatePatientAsync(siteId: "north");
        await Phq9Async(keyAlertPatient, Day0, Phq9Items(14, item9: 1));
        using var nurse = await SignedInAsync("nurse-north");

        var queue = (await nurse.GetFromJsonAsync<JsonNode>("/api/v1/safety-alerts"))!["items"]!.AsArray();
        var alertId = (string)queue.Single(a => (string)a!["patientId"]! == patient)!["id"]!;
        var acknowledged = await nurse.PostAsJsonAsync($"/api/v1/safety-alerts/{alertId}/acknowledge", new { note = "Called patient, safety plan reviewed" });
        var alert = (await acknowledged.Content.ReadFromJsonAsync<JsonNode>())!;
        Assert.True(acknowledged.StatusCode == HttpStatusCode.OK, alert.ToJsonString());
        Assert.Equal("nurse-north", (string)alert["acknowledgedBy"]!);
        Assert.Equal("""{"type":"user","id":"nurse-north","name":"Ada Nurse"}""", alert["acknowledgedByActor"]!.ToJsonString());

        // A key's acknowledgement names the key, by id and name, in the same shape.
        var keyAlertId = (string)queue.Single(a => (string)a!["patientId"]! == keyAlertPatient)!["id"]!;
        var byKey = (await (await Client.PostAsJsonAsync($"/api/v1/safety-alerts/{keyAlertId}/acknowledge", new { note = "Called back" })).Content.ReadFromJsonAsync<JsonNode>())!;
        Assert.Equal("key", (string)byKey["acknowledgedByActor"]!["type"]!);
        Assert.Equal((string)byKey["acknowledgedBy"]!, (string)byKey["acknowledgedByActor"]!["id"]!);
        Assert.Equal("test clinician", (string)byKey["acknowledgedByActor"]!["name"]!);

        var url = $"/api/v1/patients/{patient}/questionnaires/{(string)phq9["id"]!}";
        var marked = await nurse.PostAsJsonAsync(url + "/entered-in-error", new { reason = "Entered for the wrong patient" });
        Assert.Equal(HttpStatusCode.OK, marked.StatusCode);
        var history = (await nurse.GetFromJsonAsync<JsonNode>(url + "/history"))!["items"]!.AsArray();
        Assert.Equal("""{"type":"user","id":"nurse-north","name":"Ada Nurse"}""", history[^1]!["changedBy"]!.ToJsonString());

        var audit = (await Admin.GetFromJsonAsync<JsonNode>($"/api/v1/audit?patientId={patient}&action=AcknowledgeSafetyAlert"))!["items"]!.AsArray();
        var row = Assert.Single(audit)!;
        Assert.Equal("""{"type":"user","id":"nurse-north","name":"Ada Nurse"}""", row["actor"]!.ToJsonString());
        Assert.Null(row["keyId"]);
        Assert.Equal("clinician", (string)row["role"]!);
        var keyRow = Assert.Single((await Admin.GetFromJsonAsync<JsonNode>($"/api/v1/audit?patientId={keyAlertPatient}&action=AcknowledgeSafetyAlert"))!["items"]!.AsArray())!;
        Assert.Equal("key", (string)keyRow["actor"]!["type"]!);
        Assert.Equal((string)keyRow["keyId"]!, (string)keyRow["actor"]!["id"]!);
    }

    [OidcFact]
    public async Task Refused_and_accepted_tokens_leave_no_token_in_the_logs()
    {
        var capture = new LogCapture();
        using var app = App.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddLogging(l => l.AddProvider(capture))));
        var now = DateTimeOffset.UtcNow;
        var tokens = new[]
        {
            await Provider.TokenAsync("nurse-north"),
            await Provider.SignAsync(Provider.ClaimsFor("late", "clinician", now.AddHours(-2), TimeSpan.FromHours(1))),
            await Provider.TokenAsync("clinician-user", "https://another-service.example/api"),
        };
        foreach (var token in tokens)
        {
            using var client = app.CreateClient();
            client.DefaultRequestHeaders.Authorization = new("Bearer", token);
            await client.GetAsync("/api/v1/patients");
        }
        var text = string.Join("\n", capture.Lines);
        Assert.NotEmpty(capture.Lines);
        foreach (var token in tokens)
        {
            Assert.DoesNotContain(token, text, StringComparison.Ordinal);
            Assert.DoesNotContain(token.Split('.')[2], text, StringComparison.Ordinal); // not even the signature
            Assert.DoesNotContain(token.Split('.')[1], text, StringComparison.Ordinal); // nor the claims
        }
    }
}
