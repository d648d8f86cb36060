using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Api.Tests;

/// <summary>Research API over the seeded demo cohort (60 synthetic patients, two sites, mixed routes and diagnoses).</summary>
public partial class ResearchTests() : ApiTest(new() { ["Seed:Demo"] = "true", ["Research:MinCellSize"] = "11" })
{
    private const int K = 11;
    private HttpClient Researcher { get; set; } = null!;

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        Researcher = ClientWith(await CreateKeyAsync("researcher"));
    }

    private async Task<JsonNode> ResearchAsync(string path)
    {
        var response = await Researcher.GetAsync("/api/v1/research/" + path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} → {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    [Fact]
    public async Task Session_trajectory_of_the_cohort_has_published_buckets_with_statistics()
    {
        var t = await ResearchAsync("trajectory?instrument=phq9&by=session");
        Assert.Equal("phq9", (string)t["instrument"]!);
        Assert.Equal("session", (string)t["by"]!);
        Assert.Equal(K, (int)t["minCellSize"]!);
        var buckets = t["buckets"]!.AsArray();
        var zero = buckets.Single(b => (int)b!["bucket"]! == 0)!;
        Assert.False((bool)zero["suppressed"]!);
        Assert.True((int)zero["n"]! >= K);
        Assert.True((double)zero["ci95Low"]! < (double)zero["mean"]! && (double)zero["mean"]! < (double)zero["ci95High"]!);
        // Scores fall over the course: session 6's mean is well below session 0's.
        var six = buckets.Single(b => (int)b!["bucket"]! == 6)!;
        Assert.True((double)six["mean"]! < (double)zero["mean"]! - 3);
        Assert.NotNull(six["responseRate"]);
    }

    [Fact]
    public async Task Week_trajectory_has_a_baseline_bucket_first()
    {
        var buckets = (await ResearchAsync("trajectory?instrument=phq9&by=week"))["buckets"]!.AsArray();
        Assert.Equal("baseline", (string)buckets[0]!["bucket"]!);
        Assert.All(buckets.Skip(1), b => Assert.Equal(System.Text.Json.JsonValueKind.Number, b!["bucket"]!.GetValueKind()));
    }

    [Fact]
    public async Task No_filter_combination_publishes_a_count_from_1_to_k_minus_1_or_one_derivable_from_its_figures()
    {
        string?[] sites = [null, "demo-north", "demo-south", "nowhere"];
        string?[] diagnoses = [null, "trd", "ptsd", "ocd"];
        string?[] routes = [null, "iv", "intranasal"];
        string?[] drugs = [null, "ketamine", "esketamine"];
        var suppressedSeen = 0;
        foreach (var site in sites)
        foreach (var dx in diagnoses)
        foreach (var route in routes)
        foreach (var drug in drugs)
        {
            var filters = string.Concat(Q("siteId", site), Q("diagnosis", dx), Q("route", route), Q("drug", drug));
            foreach (var by in new[] { "session", "week" })
            {
                foreach (var b in (await ResearchAsync($"trajectory?instrument=phq9&by={by}{filters}"))["buckets"]!.AsArray())
                {
                    var bucket = b!.AsObject();
                    if ((bool)bucket["suppressed"]!)
                    {
                        suppressedSeen++;
                        Assert.Equal(["bucket", "suppressed"], bucket.Select(kv => kv.Key).Order());
                        continue;
                    }
                    Assert.True((int)bucket["n"]! >= K, $"{filters} {by}: n={bucket["n"]}");
                    if ((bool)bucket["rateSuppressed"]!) Assert.True(bucket["responseRate"] is null || bucket["remissionRate"] is null);
                }
            }
            var s = (await ResearchAsync($"summary?instrument=phq9{filters}")).AsObject();
            if ((bool)s["suppressed"]!)
            {
                suppressedSeen++;
                Assert.Equal(["instrument", "minCellSize", "suppressed"], s.Select(kv => kv.Key).Order());
                continue;
            }
            var cohort = (int)s["cohortN"]!;
            Assert.True(cohort == 0 || cohort >= K, $"{filters}: cohortN={cohort}");
            if (s["evaluableN"] is { } e)
            {
                var evaluable = (int)e;
                Assert.True(evaluable == 0 || evaluable >= K);
                var rest = cohort - evaluable; // the one count derivable from two published figures
                Assert.True(rest == 0 || rest >= K, $"{filters}: cohortN − evaluableN = {rest}");
            }
        }
        Assert.True(suppressedSeen > 0, "the filter grid should reach small cells");
    }

    private static string Q(string name, string? value) => value is null ? "" : $"&{name}={value}";

    [Fact]
    public async Task Small_cohort_summary_is_suppressed_and_a_large_one_carries_every_field()
    {
        var all = await ResearchAsync("summary?instrument=phq9");
        Assert.False((bool)all["suppressed"]!);
        Assert.True((int)all["cohortN"]! >= K);
        foreach (var field in new[] { "evaluableN", "meanBaseline", "responseRate", "remissionRate", "rateSuppressed", "medianDaysToFirstResponse", "afterSession1", "afterSession6" })
            Assert.True(all.AsObject().ContainsKey(field), field);

        // The whole cohort has only a few OCD patients with intranasal esketamine.
        var small = await ResearchAsync("summary?instrument=phq9&diagnosis=ocd&drug=esketamine");
        Assert.True((bool)small["suppressed"]! || (int)small["cohortN"]! is 0 or >= K);
    }

    [Fact]
    public async Task Withdrawing_consent_removes_the_patient_from_the_next_query()
    {
        var before = (int)(await ResearchAsync("summary?instrument=phq9"))["cohortN"]!;
        await using var c = await App.OpenConnectionAsync();
        var consenting = (await c.QueryAsync<Guid>("SELECT id FROM patients WHERE research_consent = 1 AND id IN (SELECT patient_id FROM questionnaires) LIMIT 1")).Single();
        var put = await Client.PutAsJsonAsync($"/api/v1/patients/{consenting}/research-consent", new { researchConsent = false });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        var after = await ResearchAsync("summary?instrument=phq9");
        Assert.True((bool)after["suppressed"]! || (int)after["cohortN"]! == before - 1);
        var pseudo = await c.ExecuteScalarAsync<string>("SELECT pseudo_id FROM research_ids WHERE patient_id = @consenting", new { consenting });
        Assert.DoesNotContain(pseudo!, await Researcher.GetStringAsync("/api/v1/research/export.csv?instrument=phq9"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_is_rfc4180_with_the_spec_columns_and_contains_no_identifier_site_birth_year_or_date()
    {
        var response = await Researcher.GetAsync("/api/v1/research/export.csv?instrument=phq9");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var csv = await response.Content.ReadAsStringAsync();
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("pseudoId,sex,ageBand,diagnoses,route,drug,instrument,sessionNumber,daysSinceFirstInfusion,totalScore,prorated,item1,item2,item3,item4,item5,item6,item7,item8,item9", lines[0]);
        Assert.DoesNotContain("\n", csv.Replace("\r\n", "", StringComparison.Ordinal), StringComparison.Ordinal); // CRLF records only

        await using var c = await App.OpenConnectionAsync();
        var expectedRows = await c.ExecuteScalarAsync<long>(
            "SELECT COUNT(*) FROM questionnaires q JOIN patients p ON p.id = q.patient_id WHERE p.research_consent = 1 AND q.instrument = 'phq9'");
        Assert.Equal(expectedRows, lines.Length - 1);
        Assert.All(lines.Skip(1), l => Assert.Equal(20, l.Split(',').Length));

        var body = string.Join("\n", lines.Skip(1));
        foreach (var mrn in await c.QueryAsync<string>("SELECT mrn FROM patients")) Assert.DoesNotContain(mrn, body, StringComparison.Ordinal);
        foreach (var id in await c.QueryAsync<Guid>("SELECT id FROM patients")) Assert.DoesNotContain(id.ToString(), body, StringComparison.OrdinalIgnoreCase);
        foreach (var site in await c.QueryAsync<string>("SELECT DISTINCT site_id FROM patients")) Assert.DoesNotContain(site, body, StringComparison.Ordinal);
        foreach (var year in await c.QueryAsync<long>("SELECT DISTINCT birth_year FROM patients")) Assert.DoesNotContain(year.ToString(System.Globalization.CultureInfo.InvariantCulture), body, StringComparison.Ordinal);
        Assert.DoesNotMatch(DateLike(), body);
        Assert.DoesNotContain(DateTimeOffset.UtcNow.Year.ToString(System.Globalization.CultureInfo.InvariantCulture), body, StringComparison.Ordinal);
        Assert.Matches(AgeBandCell(), body);

        // The pseudonym is stable across exports.
        var again = await Researcher.GetStringAsync("/api/v1/research/export.csv?instrument=phq9");
        Assert.Equal(csv, again);
    }

    [GeneratedRegex(@"\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}")]
    private static partial Regex DateLike();

    [GeneratedRegex(@",(\d{1,2}-\d{1,2}|90\+),")]
    private static partial Regex AgeBandCell();

    [Theory]
    [InlineData("trajectory", "instrument")]
    [InlineData("trajectory?instrument=phq9&by=month", "by")]
    [InlineData("trajectory?instrument=phq9&route=rectal", "route")]
    [InlineData("summary?instrument=madrs", "instrument")]
    [InlineData("summary?instrument=phq9&diagnosis=flu", "diagnosis")]
    [InlineData("export.csv", "instrument")]
    public async Task Bad_research_query_is_refused_naming_the_parameter(string path, string field)
    {
        var response = await Researcher.GetAsync("/api/v1/research/" + path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal([field], ErrorKeys(await response.Content.ReadFromJsonAsync<JsonNode>()));
    }

    [Fact]
    public async Task Researchers_reach_only_research_and_clinicians_not_research()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await Researcher.GetAsync("/api/v1/patients")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Client.GetAsync("/api/v1/research/summary?instrument=phq9")).StatusCode);
    }
}

public class ResearchConfigurationTests
{
    [Fact]
    public void MinCellSize_below_5_stops_the_service_from_starting()
    {
        using var app = new OutcomesApp(new() { ["Research:MinCellSize"] = "4" });
        var e = Assert.ThrowsAny<Exception>(() => app.CreateClient());
        Assert.Contains("MinCellSize", e.ToString(), StringComparison.Ordinal);
    }
}
