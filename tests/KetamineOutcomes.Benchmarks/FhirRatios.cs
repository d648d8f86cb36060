using System.Net;
using System.Text;

namespace KetamineOutcomes.Benchmarks;

/// <summary>One build's four figures in the fhir mode (issue 24), each the median of its runs by requests/s.</summary>
/// <remarks><see cref="Rounds"/>: every run of each load, in round order (index 0 trend, 1 search, 2 JSON POST, 3 FHIR POST).</remarks>
internal sealed record FhirRow(string Build, Measurement Trend, Measurement Search, Measurement JsonPost, Measurement FhirPost, IReadOnlyList<Measurement>[] Rounds)
{
    public double SearchToTrend => Search.RequestsPerSecond / Trend.RequestsPerSecond;
    public double FhirPostToJsonPost => FhirPost.RequestsPerSecond / JsonPost.RequestsPerSecond;
}

/// <summary>
/// The issue 24 pairs — FHIR Observation search vs trend, FHIR QuestionnaireResponse POST vs JSON submission — measured
/// in one run, and, given several builds, interleaved: each round runs every load on every build in turn (the build
/// order alternating by round), so a shared machine's drift falls on all builds alike.
/// </summary>
internal static class FhirRatios
{
    private sealed record Load(string Name, WrkRequest Request, int Connections);

    private const string JsonSubmission = """{"instrument":"phq9","completedAt":"2026-03-02T09:00:00Z","items":[2,2,1,2,1,1,2,1,0],"difficulty":1,"source":"bench"}""";

    private static Load[] Loads(ServiceRun run)
    {
        var p0 = run.Cohort.HundredAssessmentPatient;
        var patients = run.Cohort.SubmissionPatients.Take(200).ToArray();
        var json = new Dictionary<string, string> { ["Content-Type"] = "application/json", ["X-Api-Key"] = run.Clinician };
        var fhir = new Dictionary<string, string> { ["Content-Type"] = "application/fhir+json", ["X-Api-Key"] = run.Clinician };
        return
        [
            new("trend, patient with 100 assessments", run.Get(run.Clinician, $"/api/v1/patients/{p0}/trends?instrument=phq9"), 8),
            new("FHIR Observation search, same patient, _count=50", run.Get(run.Clinician, $"/fhir/r4/Observation?patient={p0}&_count=50"), 8),
            new("PHQ-9 JSON submission POST", new WrkRequest("POST", patients.Select(p => $"/api/v1/patients/{p}/questionnaires").ToArray(), json, JsonSubmission,
                UniqueIdempotencyKey: true), 32),
            new("PHQ-9 FHIR QuestionnaireResponse POST (~2 KB, LOINC)", new WrkRequest("POST", ["/fhir/r4/QuestionnaireResponse"], fhir,
                UniqueIdempotencyKey: true, Bodies: patients.Select(FhirBodies.Phq9).ToArray()), 32),
        ];
    }

    public static async Task<List<FhirRow>> MeasureAsync(IReadOnlyList<(string Build, ServiceRun Run)> builds, int repeats, TimeSpan warmup, TimeSpan duration,
        Action<Measurement> print)
    {
        foreach (var (_, run) in builds) await CheckAsync(run);
        // KO_BENCH_LOADS=<text>: only the loads whose name contains it (e.g. "JSON submission" for write-path A/B runs);
        // the runs are printed and no row is returned, so RESULTS.md keeps its table.
        var only = Environment.GetEnvironmentVariable("KO_BENCH_LOADS");
        var loads = builds.Select(b => Loads(b.Run).Where(l => string.IsNullOrEmpty(only) || l.Name.Contains(only, StringComparison.OrdinalIgnoreCase)).ToArray()).ToArray();
        for (var b = 0; b < builds.Count; b++)
            foreach (var l in loads[b]) await Wrk.RunAsync("warm-up", builds[b].Run.Service.BaseAddress, l.Request, l.Connections, warmup, builds[b].Run.WorkDir);
        var runs = builds.Select(_ => loads[0].Select(_ => new List<Measurement>()).ToArray()).ToArray();
        for (var round = 0; round < repeats; round++)
        {
            for (var l = 0; l < loads[0].Length; l++)
            {
                var order = Enumerable.Range(0, builds.Count);
                foreach (var b in round % 2 == 0 ? order : order.Reverse())
                {
                    var load = loads[b][l];
                    var cpu = builds[b].Run.Service.CpuTime;
                    var m = await Wrk.RunAsync($"{builds[b].Build}: {load.Name}", builds[b].Run.Service.BaseAddress, load.Request, load.Connections, duration,
                        builds[b].Run.WorkDir);
                    print(m);
                    // CPU per request moves far less with a busy machine than requests/s do: what a change saves shows here first.
                    Console.WriteLine($"      service CPU {(builds[b].Run.Service.CpuTime - cpu).TotalMicroseconds / Math.Max(1, m.Requests):F0} µs/request");
                    runs[b][l].Add(m);
                }
            }
        }
        if (!string.IsNullOrEmpty(only)) return [];
        Measurement Median(List<Measurement> ms) => ms.OrderBy(m => m.RequestsPerSecond).ElementAt(ms.Count / 2);
        return builds.Select((b, i) => new FhirRow(b.Build, Median(runs[i][0]), Median(runs[i][1]), Median(runs[i][2]), Median(runs[i][3]), runs[i])).ToList();
    }

    // Each request answers as it must (a 201 for the FHIR body, a full page for the search) before anything is timed.
    private static async Task CheckAsync(ServiceRun run)
    {
        using var client = new HttpClient { BaseAddress = run.Service.BaseAddress };
        client.DefaultRequestHeaders.Add("X-Api-Key", run.Clinician);
        var body = FhirBodies.Phq9(run.Cohort.SubmissionPatients[^1]);
        using var created = await client.PostAsync("/fhir/r4/QuestionnaireResponse", new StringContent(body, Encoding.UTF8, "application/fhir+json"));
        if (created.StatusCode != HttpStatusCode.Created)
            throw new InvalidOperationException($"FHIR POST of the benchmark body → {(int)created.StatusCode}: {await created.Content.ReadAsStringAsync()}");
        var page = await client.GetStringAsync($"/fhir/r4/Observation?patient={run.Cohort.HundredAssessmentPatient}&_count=50");
        if (!page.Contains("\"next\"", StringComparison.Ordinal)) throw new InvalidOperationException("The FHIR search page has no next link: the patient should have more than 50 Observations.");
        Console.WriteLine($"  FHIR body {Encoding.UTF8.GetByteCount(body):N0} bytes → 201; search page {Encoding.UTF8.GetByteCount(page):N0} bytes");
    }
}
