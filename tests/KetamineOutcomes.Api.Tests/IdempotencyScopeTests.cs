using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using KetamineOutcomes.Data.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using static KetamineOutcomes.Api.Tests.Fhir.QuestionnaireResponseJson;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// An Idempotency-Key belongs to the caller that sent it (README "Idempotency"): another caller sending the same key is
/// another request — never a replay of someone else's answer (which could hold another site's patient) and never a 422
/// telling it that someone else used that key.
/// </summary>
public sealed class IdempotencyScopeTests : ApiTest
{
    private static object Body(int total) => new { instrument = "phq9", completedAt = Iso(Day0), items = Phq9Items(total, item9: 0) };

    private static async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> PostAsync(HttpClient client, string url, HttpContent content, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = content };
        request.Headers.Add("Idempotency-Key", key);
        var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
    }

    private async Task<int> StoredAsync(string patient) => (await GetOkAsync($"/api/v1/patients/{patient}/questionnaires"))["items"]!.AsArray().Count;

    [Fact]
    public async Task Another_keys_same_Idempotency_Key_and_body_is_a_new_request_stored_on_its_own_not_a_replay()
    {
        var patient = await CreatePatientAsync();
        var url = $"/api/v1/patients/{patient}/questionnaires";
        using var other = ClientWith(await CreateKeyAsync("clinician"));
        var first = await PostAsync(Client, url, JsonContent.Create(Body(12)), "shared-1");
        var second = await PostAsync(other, url, JsonContent.Create(Body(12)), "shared-1");
        Assert.Equal(HttpStatusCode.Created, first.Status);
        Assert.Equal(HttpStatusCode.Created, second.Status);
        Assert.False(second.Response.Headers.Contains("Idempotent-Replayed"), "another caller's request is not a replay");
        Assert.NotEqual((string)first.Body!["id"]!, (string)second.Body!["id"]!);
        Assert.Equal(2, await StoredAsync(patient));

        // Each caller still replays its own.
        var again = await PostAsync(other, url, JsonContent.Create(Body(12)), "shared-1");
        Assert.True(again.Response.Headers.Contains("Idempotent-Replayed"));
        Assert.Equal((string)second.Body!["id"]!, (string)again.Body!["id"]!);
    }

    [Fact]
    public async Task Another_keys_same_Idempotency_Key_with_another_body_is_processed_not_refused_with_422()
    {
        var patient = await CreatePatientAsync();
        var url = $"/api/v1/patients/{patient}/questionnaires";
        using var ehr = ClientWith(await CreateKeyAsync("ehr"));
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(Client, url, JsonContent.Create(Body(12)), "1")).Status);
        var (status, body, _) = await PostAsync(ehr, url, JsonContent.Create(Body(20)), "1");
        Assert.True(status == HttpStatusCode.Created, $"{(int)status}: {body?.ToJsonString()}");
        Assert.Equal(20, (int)body!["totalScore"]!);
        Assert.Equal(2, await StoredAsync(patient));
    }

    [Fact]
    public async Task Another_sites_key_replaying_a_key_gets_404_for_the_patient_not_the_first_callers_record()
    {
        var patient = await CreatePatientAsync(siteId: "north");
        var url = $"/api/v1/patients/{patient}/questionnaires";
        using var southPortal = ClientWith(await CreateKeyAsync("portal", "south"));
        using var southClinician = ClientWith(await CreateKeyAsync("clinician", "south"));
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(Client, url, JsonContent.Create(Body(12)), "k-1")).Status);
        foreach (var south in new[] { southPortal, southClinician })
        {
            var (status, body, response) = await PostAsync(south, url, JsonContent.Create(Body(12)), "k-1");
            Assert.Equal(HttpStatusCode.NotFound, status);
            Assert.False(response.Headers.Contains("Idempotent-Replayed"));
            Assert.DoesNotContain(patient, body?.ToJsonString() ?? "", StringComparison.Ordinal);
        }
        Assert.Equal(1, await StoredAsync(patient));
    }

    [Fact]
    public async Task A_FHIR_create_replays_only_to_the_key_that_sent_it_and_another_sites_key_gets_404()
    {
        var patient = await CreatePatientAsync(siteId: "north");
        var fhir = Phq9(patient, 2, 2, 1, 2, 1, 1, 2, 1, 1).ToJsonString();
        StringContent Content() => new(fhir, Encoding.UTF8, "application/fhir+json");
        using var southEhr = ClientWith(await CreateKeyAsync("ehr", "south"));
        using var otherEhr = ClientWith(await CreateKeyAsync("ehr"));
        var first = await PostAsync(Client, "/fhir/r4/QuestionnaireResponse", Content(), "fhir-k");
        Assert.Equal(HttpStatusCode.Created, first.Status);

        var south = await PostAsync(southEhr, "/fhir/r4/QuestionnaireResponse", Content(), "fhir-k");
        Assert.Equal(HttpStatusCode.NotFound, south.Status);
        Assert.DoesNotContain((string)first.Body!["id"]!, south.Body?.ToJsonString() ?? "", StringComparison.Ordinal);

        var other = await PostAsync(otherEhr, "/fhir/r4/QuestionnaireResponse", Content(), "fhir-k");
        Assert.Equal(HttpStatusCode.Created, other.Status);
        Assert.False(other.Response.Headers.Contains("Idempotent-Replayed"));
        Assert.NotEqual((string)first.Body!["id"]!, (string)other.Body!["id"]!);
        Assert.Equal(2, await StoredAsync(patient));
    }

    [Fact]
    public void A_signed_in_persons_keys_are_scoped_to_their_subject_apart_from_every_api_key_and_other_person()
    {
        static string ScopeOf(string type, string id) => KetamineOutcomes.Api.Idempotency.IdempotentCreate.CallerScope(
            KetamineOutcomes.Api.Security.Caller.Principal(new KetamineOutcomes.Api.Corrections.Actor(type, id, "n"), "clinician", null, null, "test"));
        var keyId = Guid.NewGuid().ToString();
        Assert.Equal(keyId, ScopeOf("key", keyId));
        Assert.Equal("user:alice", ScopeOf("user", "alice"));
        // A person whose sub happens to be a key's id still has scopes of their own.
        Assert.NotEqual(ScopeOf("key", keyId), ScopeOf("user", keyId));
        Assert.NotEqual(ScopeOf("user", "alice"), ScopeOf("user", "bob"));
        Assert.Throws<InvalidOperationException>(() => KetamineOutcomes.Api.Idempotency.IdempotentCreate.CallerScope(new System.Security.Claims.ClaimsPrincipal()));
    }

    [Fact]
    public async Task Every_stored_key_is_scoped_to_the_id_of_the_api_key_that_sent_it()
    {
        var patient = await CreatePatientAsync();
        await PostAsync(Client, $"/api/v1/patients/{patient}/questionnaires", JsonContent.Create(Body(5)), "scoped-1");
        var db = App.Services.GetRequiredService<Database>();
        var scopes = await db.ReadAsync((c, t) => c.QueryAsync<string>(new CommandDefinition(
            "SELECT scope FROM idempotency_requests WHERE idempotency_key = 'scoped-1'", cancellationToken: t)), default);
        var scope = Assert.Single(scopes);
        Assert.True(Guid.TryParse(scope, out _), $"scope '{scope}' is the sending key's id");
    }
}
