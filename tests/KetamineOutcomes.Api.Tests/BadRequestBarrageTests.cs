using System.Net;
using System.Text;
using Dapper;
using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Api.Tests;

/// <summary>Refused requests must never change or lose what was stored before.</summary>
public class BadRequestBarrageTests : ApiTest
{
    private static readonly string[] Tables = ["patients", "patient_diagnoses", "infusions", "questionnaires", "suicidality_checkins", "safety_alerts"];

    private async Task<string> SnapshotAsync()
    {
        await using var c = await App.OpenConnectionAsync();
        var sb = new StringBuilder();
        foreach (var table in Tables)
        {
            foreach (var row in await c.QueryAsync($"SELECT * FROM {table} ORDER BY 1"))
                sb.AppendLine(table + ":" + string.Join("|", ((IDictionary<string, object?>)row).Select(kv => $"{kv.Key}={kv.Value}")));
        }
        return sb.ToString();
    }

    [Fact]
    public async Task A_barrage_of_bad_requests_leaves_every_stored_row_unchanged()
    {
        var patient = await CreatePatientAsync("MRN-KEEP");
        await InfusionAsync(patient, Day0);
        await Phq9Async(patient, Day0.AddDays(-1), Phq9Items(18, item9: 1));
        await Phq9Async(patient, Day0.AddDays(1), Phq9Items(8));
        var before = await SnapshotAsync();
        var trendBefore = (await GetOkAsync($"/api/v1/patients/{patient}/trends")).ToJsonString();

        var p = $"/api/v1/patients/{patient}";
        var bad = new (string Method, string Url, string? Body)[]
        {
            ("POST", "/api/v1/patients", """{"mrn":"MRN-KEEP","siteId":"north","researchConsent":true}"""), // duplicate → 409
            ("POST", "/api/v1/patients", """{"researchConsent":"maybe"}"""),
            ("POST", "/api/v1/patients", "{{{{"),
            ("POST", $"{p}/questionnaires", """{"instrument":"phq9","completedAt":"2026-03-02T09:00:00Z","items":[9,9,9,9,9,9,9,9,9]}"""),
            ("POST", $"{p}/questionnaires", """{"instrument":"phq9","completedAt":"2999-01-01T00:00:00Z","items":[1,1,1,1,1,1,1,1,1]}"""),
            ("POST", $"{p}/questionnaires", """{"instrument":"phq9","completedAt":"2026-03-02T09:00:00Z","items":[1,1,1,1,1,1,1,1,null]}"""),
            ("POST", $"{p}/questionnaires", """{"instrument":"gad7","completedAt":"2026-03-02T09:00:00Z","items":[1]}"""),
            ("POST", $"{p}/questionnaires", "null"),
            ("POST", $"{p}/infusions", """{"administeredAt":"2026-03-02T09:00:00Z","route":"iv","drug":"lsd"}"""),
            ("POST", $"{p}/infusions", """{"administeredAt":"0001-01-01T00:00:00Z","route":"iv","drug":"ketamine"}"""),
            ("POST", $"{p}/suicidality-checkins", """{"completedAt":"2026-03-02T09:00:00Z","wishToBeDead":false,"suicidalThoughts":false,"intent":true,"suicidalBehavior":"none"}"""),
            ("PUT", $"{p}/research-consent", """{"researchConsent":null}"""),
            ("PUT", $"{p}/research-consent", """{"researchConsent":"no"}"""),
            ("POST", $"/api/v1/patients/{Guid.NewGuid()}/questionnaires", """{"instrument":"phq9","completedAt":"2026-03-02T09:00:00Z","items":[1,1,1,1,1,1,1,1,1]}"""),
            ("PUT", "/api/v1/patients/not-a-guid/research-consent", """{"researchConsent":false}"""),
            ("GET", $"{p}/questionnaires?limit=-5&cursor=%%%", null),
            ("DELETE", p, null),
        };
        foreach (var (method, url, body) in bad)
        {
            var (status, _, _) = await SendAsync(new HttpMethod(method), url, body);
            Assert.True((int)status is >= 400 and < 500, $"{method} {url} → {(int)status}");
        }

        Assert.Equal(before, await SnapshotAsync());
        Assert.Equal(trendBefore, (await GetOkAsync($"/api/v1/patients/{patient}/trends")).ToJsonString());
        var (s, _, _) = await SendAsync(HttpMethod.Get, $"{p}/questionnaires");
        Assert.Equal(HttpStatusCode.OK, s);
    }
}
