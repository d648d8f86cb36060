using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KetamineOutcomes.Api.Tests;

public class LoggingTests : ApiTest
{
    [Fact]
    public async Task A_full_workflow_with_refusals_writes_no_mrn_birth_year_or_clinical_date_to_the_logs()
    {
        var capture = new LogCapture();
        using var app = App.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddLogging(l => l.AddProvider(capture))));
        using var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", ClinicianKey);

        const string mrn = "MRN-SECRET-4242";
        var created = await client.PostAsync("/api/v1/patients", Json($$"""{"mrn":"{{mrn}}","siteId":"north","birthYear":1967,"researchConsent":true}"""));
        var id = System.Text.Json.Nodes.JsonNode.Parse(await created.Content.ReadAsStringAsync())!["id"]!.ToString();
        await client.PostAsync("/api/v1/patients", Json($$"""{"mrn":"{{mrn}}","siteId":"north","birthYear":1967,"researchConsent":true}""")); // 409
        await client.GetAsync($"/api/v1/patients?mrn={mrn}");
        await client.PostAsync($"/api/v1/patients/{id}/infusions", Json("""{"administeredAt":"2026-03-02T09:17:00Z","route":"iv","drug":"ketamine"}"""));
        await client.PostAsync($"/api/v1/patients/{id}/questionnaires", Json("""{"instrument":"phq9","completedAt":"2026-02-27T08:13:00Z","items":[3,3,3,3,3,3,3,2,3]}"""));
        await client.PostAsync($"/api/v1/patients/{id}/questionnaires", Json("""{"instrument":"phq9","completedAt":"2026-02-27T08:13:00","items":[3,3,3,3,3,3,3,2,9]}""")); // 400
        await client.PostAsync($"/api/v1/patients/{id}/suicidality-checkins", Json("""{"completedAt":"2026-03-03T10:41:00Z","wishToBeDead":true,"suicidalThoughts":true,"intent":true,"suicidalBehavior":"none"}"""));
        await client.GetAsync($"/api/v1/patients/{id}/trends");

        var text = string.Join("\n", capture.Lines);
        Assert.NotEmpty(capture.Lines);
        Assert.DoesNotContain(mrn, text, StringComparison.Ordinal);
        Assert.DoesNotContain("1967", text, StringComparison.Ordinal);
        Assert.DoesNotContain("2026-02-27", text, StringComparison.Ordinal);
        Assert.DoesNotContain("2026-03-02", text, StringComparison.Ordinal);
        Assert.DoesNotContain("2026-03-03", text, StringComparison.Ordinal);
        Assert.DoesNotContain(id, text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(ClinicianKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain(AdminKey, text, StringComparison.Ordinal);
    }

    private static StringContent Json(string body) => new(body, System.Text.Encoding.UTF8, "application/json");
}
