using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using KetamineOutcomes.Benchmarks;

// Usage (Release): dotnet run -c Release --project tests/KetamineOutcomes.Benchmarks -- [patients] [seconds per run] [runs per figure]
//                  dotnet run -c Release --project tests/KetamineOutcomes.Benchmarks -- growth [seconds per run] [runs per figure]
//                  dotnet run -c Release --project tests/KetamineOutcomes.Benchmarks -- worklist [seconds per run] [runs per figure]
//                  dotnet run -c Release --project tests/KetamineOutcomes.Benchmarks -- summary [seconds per run] [runs per figure]
//                  dotnet run -c Release --project tests/KetamineOutcomes.Benchmarks -- durability [seconds per run] [runs per figure]
//                  dotnet run -c Release --project tests/KetamineOutcomes.Benchmarks -- response-watch [seconds per run] [runs per figure]
//                  dotnet run -c Release --project tests/KetamineOutcomes.Benchmarks -- audit [seconds per run] [runs per figure]
//                  [KO_BENCH_BASELINE=<other checkout>] dotnet run -c Release --project tests/KetamineOutcomes.Benchmarks -- fhir [seconds per run] [runs per figure]
//                    (with KO_BENCH_LOADS=<part of a load's name>, e.g. "JSON submission": only those loads, printed, RESULTS.md untouched)
// Each figure is the median of its runs (3 by default): this shared machine moves ±20 % from one run to the next.
var worklist = args.Length > 0 && args[0] == "worklist";
var summaryOnly = args.Length > 0 && args[0] == "summary";
var durability = args.Length > 0 && args[0] == "durability";
var responseWatch = args.Length > 0 && args[0] == "response-watch";
var audit = args.Length > 0 && args[0] == "audit";
var fhirMode = args.Length > 0 && args[0] == "fhir";
var growth = worklist || summaryOnly || durability || responseWatch || audit || fhirMode || args.Length > 0 && args[0] == "growth"; // all seven take [seconds] [runs] only
var rest = growth ? args[1..] : args;
var patients = !growth && rest.Length > 0 ? int.Parse(rest[0], CultureInfo.InvariantCulture) : 10_000;
var seconds = rest.Length > (growth ? 0 : 1) ? double.Parse(rest[growth ? 0 : 1], CultureInfo.InvariantCulture) : 10;
var repeats = rest.Length > (growth ? 1 : 2) ? int.Parse(rest[growth ? 1 : 2], CultureInfo.InvariantCulture) : 3;
var root = FindRoot();
const string SubmissionBody = """{"instrument":"phq9","completedAt":"2026-03-02T09:00:00Z","items":[2,2,1,2,1,1,2,1,0],"difficulty":1,"source":"bench"}""";
var resultsPath = Path.Combine(root, "tests", "KetamineOutcomes.Benchmarks", "RESULTS.md");

Wrk.EnsureInstalled();
Console.WriteLine("Building the service (Release)…");
Run("dotnet", $"build -c Release --nologo -v q {Path.Combine(root, "src", "KetamineOutcomes.Api")}", root);
var dll = Path.Combine(root, "src", "KetamineOutcomes.Api", "bin", "Release", "net10.0", "KetamineOutcomes.Api.dll");
var duration = TimeSpan.FromSeconds(seconds);
var warmup = TimeSpan.FromSeconds(Math.Max(2, Math.Min(5, seconds / 3)));

var work = Directory.CreateTempSubdirectory("ko-bench-").FullName;
try
{
    if (audit)
    {
        // Issue 24: the paced reads beside ~700 submissions/s with Audit:ReadDurability=strict and =deferred, two services
        // over copies of one cohort, measured in turns (strict, deferred, strict, …) so the machine's drift and load hit
        // both alike; deferred runs also give the unflushed window of their read audit rows from the service's metrics.
        var strictDir = Path.Combine(work, "strict");
        var deferredDir = Path.Combine(work, "deferred");
        var (cohort, loadSeconds) = await LoadAsync(10_000, strictDir);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.CreateDirectory(deferredDir);
        foreach (var file in Directory.GetFiles(strictDir, "bench.db*")) File.Copy(file, Path.Combine(deferredDir, Path.GetFileName(file)));
        var strict = await StartServiceAsync(strictDir, cohort, loadSeconds, new Dictionary<string, string> { ["Audit__ReadDurability"] = "strict" });
        await using (strict.Service)
        {
            var deferred = await StartServiceAsync(deferredDir, cohort, loadSeconds, new Dictionary<string, string> { ["Audit__ReadDurability"] = "deferred" });
            await using (deferred.Service)
            {
                var loadBefore = LoadAverage();
                var results = new List<AuditRun>();
                using var scraper = new HttpClient();
                (string Mode, ServiceRun Run)[] modes = [("strict", strict), ("deferred", deferred)];
                foreach (var (_, run) in modes)
                {
                    await Task.WhenAll(
                        Wrk.RunAsync("warm-up", run.Service.BaseAddress, ReadsOf(run)[0].Request.Paced(40), 4, warmup, run.WorkDir),
                        Wrk.RunAsync("warm-up", run.Service.BaseAddress, SubmissionsOf(run).Paced(16), 16, warmup, run.WorkDir));
                }
                for (var i = 0; i < repeats; i++)
                {
                    foreach (var (mode, run) in modes)
                    {
                        foreach (var (read, request) in ReadsOf(run))
                        {
                            var before = await DeferredWindow.ScrapeAsync(scraper, run.Metrics);
                            var both = await Task.WhenAll(
                                Wrk.RunAsync($"{read}, 4 connections 40 ms apart ({mode})", run.Service.BaseAddress, request.Paced(40), 4, duration, run.WorkDir),
                                Wrk.RunAsync($"PHQ-9 submissions, 16 connections 16 ms apart, alongside {read} ({mode})", run.Service.BaseAddress, SubmissionsOf(run).Paced(16), 16, duration, run.WorkDir));
                            var after = await DeferredWindow.ScrapeAsync(scraper, run.Metrics);
                            var r = new AuditRun(mode, read, both[0], both[1], DeferredWindow.Between(before, after), after);
                            results.Add(r);
                            Print(r.Read);
                            Print(r.Submissions);
                            if (mode == "deferred")
                                Console.WriteLine($"  unflushed window: {r.Window.Rows:F0} rows, p99 {r.Window.P99Ms:F2} ms (bucket ≤ {r.Window.P99BucketMs:F1} ms), max {r.Window.MaxMs:F2} ms; lost {after.Lost}, fell back {after.FellBack}");
                        }
                    }
                }
                ResultsFile.Replace(resultsPath, "audit", Report.AuditDurability(cohort, results, loadBefore, LoadAverage(), seconds, repeats));
            }
        }
    }
    else if (fhirMode)
    {
        // Issue 24: FHIR Observation search (patient 0: 100 assessments, _count=50) against the trend, and a ~2 KB LOINC-coded
        // PHQ-9 QuestionnaireResponse POST against the JSON submission of the same answers, in one run. With
        // KO_BENCH_BASELINE set to another checkout, its build runs on a copy of the same database and every figure
        // alternates between the two builds (before/after on a loaded machine: only the interleaved ratio means much).
        var dir = Path.Combine(work, "fhir");
        Directory.CreateDirectory(dir);
        Console.WriteLine("Loading 1,100 patients…");
        var load = Stopwatch.StartNew();
        var cohort = await CohortBuilder.BuildAsync(Path.Combine(dir, "bench.db"), 1_100);
        var loadSeconds = load.Elapsed.TotalSeconds;
        var baselineRoot = Environment.GetEnvironmentVariable("KO_BENCH_BASELINE");
        ServiceRun? baseline = null;
        if (!string.IsNullOrEmpty(baselineRoot))
        {
            Console.WriteLine($"Building the baseline {baselineRoot} (Release)…");
            Run("dotnet", $"build -c Release --nologo -v q {Path.Combine(baselineRoot, "src", "KetamineOutcomes.Api")}", baselineRoot);
            var baselineDir = Path.Combine(work, "fhir-baseline");
            Directory.CreateDirectory(baselineDir);
            // Before either service opens it, with its WAL: the load's last pages may not be checkpointed yet.
            foreach (var file in new[] { "bench.db", "bench.db-wal", "bench.db-shm" })
                if (File.Exists(Path.Combine(dir, file))) File.Copy(Path.Combine(dir, file), Path.Combine(baselineDir, file));
            baseline = await StartOnAsync(Path.Combine(baselineRoot, "src", "KetamineOutcomes.Api", "bin", "Release", "net10.0", "KetamineOutcomes.Api.dll"),
                baselineDir, cohort, loadSeconds);
        }
        try
        {
            var run = await StartOnAsync(dll, dir, cohort, loadSeconds);
            await using var service = run.Service;
            var builds = baseline is null ? new[] { ("this build", run) } : [("this build", run), ("baseline", baseline)];
            var loadBefore = File.ReadAllText("/proc/loadavg");
            var rows = await FhirRatios.MeasureAsync(builds, repeats, warmup, duration, Print);
            foreach (var (name, b) in builds) { Console.Write($"  {name}:"); PrintMemory(b); }
            if (rows.Count > 0) ResultsFile.Replace(resultsPath, "fhir", Report.Fhir(cohort, baselineRoot, rows, loadBefore, File.ReadAllText("/proc/loadavg"), seconds, repeats));
        }
        finally
        {
            if (baseline is not null) await baseline.Service.DisposeAsync();
        }
    }
    else if (durability)
    {
        // The main cohort (10,000 patients over three sites): Kaplan–Meier of response duration (issue 22), beside the
        // trajectory it should cost about as much as (the same read, one estimate at the end).
        var run = await StartAsync(10_000, Path.Combine(work, "durability"));
        await using (run.Service)
        {
            var estimate = await EstimateAsync(run, "/api/v1/research/durability?instrument=phq9");
            Console.WriteLine($"  estimate: {estimate}");
            var ms = new List<Measurement>
            {
                await Measure(run, "research durability (full cohort)", run.Get(run.Researcher, "/api/v1/research/durability?instrument=phq9"), 1),
                await Measure(run, "research durability, one site (siteId filter)", run.Get(run.Researcher, "/api/v1/research/durability?instrument=phq9&siteId=site-1"), 1),
                await Measure(run, "research summary (full cohort, with medianResponseDurationDays)", run.Get(run.Researcher, "/api/v1/research/summary?instrument=phq9"), 1),
                await Measure(run, "research trajectory by session (full cohort), for comparison", run.Get(run.Researcher, "/api/v1/research/trajectory?instrument=phq9&by=session"), 1),
            };
            ResultsFile.Replace(resultsPath, "durability", Report.Durability(run.Cohort, estimate, ms, seconds, repeats));
        }
    }
    else if (responseWatch)
    {
        // One site of 10,000 patients, a fifth of whom climb back towards baseline at the end (issue 22): the response
        // watch is derived from every patient's live records on each read, so each page costs the whole site.
        var run = await StartAsync(10_000, Path.Combine(work, "response-watch"), sites: 1, setbacks: true);
        await using (run.Service)
        {
            var (listed, middle) = await ResponseWatchCursorNearAsync(run);
            Console.WriteLine($"  on the watch: {listed}");
            var ms = new List<Measurement>
            {
                await Measure(run, "response watch, first page of 50", run.Get(run.Clinician, "/api/v1/response-watch?siteId=site-1&limit=50").Paced(20), 1),
                await Measure(run, "response watch, a middle page of 50 (cursor)", run.Get(run.Clinician, $"/api/v1/response-watch?siteId=site-1&limit=50&cursor={middle}").Paced(20), 1),
                await Measure(run, "response watch, first page of 50, PHQ-9 only", run.Get(run.Clinician, "/api/v1/response-watch?siteId=site-1&limit=50&instrument=phq9").Paced(20), 1),
                await Measure(run, "response watch, first page of 50, 4 connections (closed loop)", run.Get(run.Clinician, "/api/v1/response-watch?siteId=site-1&limit=50"), 4),
            };
            ResultsFile.Replace(resultsPath, "response-watch", Report.ResponseWatch(run.Cohort, listed, ms, seconds, repeats));
        }
    }
    else if (worklist)
    {
        // One site of 10,000 patients: a worklist page walks them in id order until it is full (issue 21).
        var run = await StartAsync(10_000, Path.Combine(work, "worklist"), sites: 1);
        await using (run.Service)
        {
            var middle = await WorklistCursorNearAsync(run, 5_000);
            var ms = new List<Measurement>();
            foreach (var (name, query) in new[]
            {
                ("worklist, first page of 50, overdue", "status=overdue"),
                ("worklist, first page of 50, due", "status=due"),
                ("worklist, first page of 50, due and overdue", ""),
                ("worklist, a page of 50 from patient ~5,000 on (cursor)", $"cursor={middle}"),
            })
            {
                ms.Add(await Measure(run, name, run.Get(run.Clinician, $"/api/v1/due?siteId=site-1&limit=50&{query}").Paced(20), 1));
            }
            ms.Add(await Measure(run, "worklist, first page of 50, overdue, 4 connections (closed loop)",
                run.Get(run.Clinician, "/api/v1/due?siteId=site-1&limit=50&status=overdue"), 4));
            ResultsFile.Replace(resultsPath, "worklist", Report.Worklist(run.Cohort, ms, seconds, repeats));
        }
    }
    else if (summaryOnly)
    {
        // The research summary alone on the 10,000-patient cohort (3 sites), printed, not written: a quick before/after
        // for a change to the summary without the whole run.
        var run = await StartAsync(10_000, Path.Combine(work, "summary"));
        await using (run.Service)
        {
            await Measure(run, "research summary (full cohort)", run.Get(run.Researcher, "/api/v1/research/summary?instrument=phq9"), 1);
        }
    }
    else if (growth)
    {
        var rows = new List<GrowthRow>();
        foreach (var n in new[] { 1_000, 10_000, 100_000 })
        {
            var run = await StartAsync(n, Path.Combine(work, $"growth-{n}"));
            await using (run.Service)
            {
                var trend = await Measure(run, "trend", run.Get(run.Clinician, $"/api/v1/patients/{run.Cohort.HundredAssessmentPatient}/trends?instrument=phq9"), 8);
                var trajectory = await Measure(run, "trajectory", run.Get(run.Researcher, "/api/v1/research/trajectory?instrument=phq9&by=session"), 1);
                rows.Add(new GrowthRow(run.Cohort, trend, trajectory));
            }
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(Path.Combine(work, $"growth-{n}"), recursive: true);
        }
        ResultsFile.Replace(resultsPath, "growth", Report.Growth(rows, seconds, repeats));
    }
    else
    {
        Console.WriteLine("Ceiling: single-row durable inserts (SQLite WAL, synchronous=FULL)…");
        var insertRuns = new List<double>();
        for (var i = 0; i < repeats; i++)
            insertRuns.Add(await Ceilings.RawDurableInsertsPerSecondAsync(Path.Combine(work, $"ceiling-{i}.db"), TimeSpan.FromSeconds(Math.Min(seconds, 10))));
        var rawInserts = insertRuns.Order().ElementAt(insertRuns.Count / 2);
        Console.WriteLine($"  {rawInserts:F0} rows/s");

        var submissionBody = SubmissionBody;
        var bare = new List<Measurement>();
        await using (var kestrel = await Ceilings.StartBareKestrelAsync())
        {
            var address = Ceilings.AddressOf(kestrel);
            var request = new WrkRequest("POST", Enumerable.Range(0, 1000).Select(_ => $"/ceiling/{Guid.NewGuid()}").ToArray(),
                new Dictionary<string, string> { ["Content-Type"] = "application/json", ["X-Api-Key"] = new string('k', 48) }, submissionBody);
            foreach (var connections in new[] { 32, 64 })
            {
                await Wrk.RunAsync("warm-up", address, request, connections, warmup, work);
                var m = await MedianOf(() => Wrk.RunAsync($"ceiling: bare Kestrel POST, same body, 201 ({connections} connections)", address, request, connections, duration, work));
                bare.Add(m);
                Print(m);
            }
        }

        var run = await StartAsync(patients, work);
        await using (run.Service)
        {
            var p0 = run.Cohort.HundredAssessmentPatient;
            var submit = new WrkRequest("POST", run.Cohort.SubmissionPatients.Select(p => $"/api/v1/patients/{p}/questionnaires").ToArray(),
                new Dictionary<string, string> { ["Content-Type"] = "application/json", ["X-Api-Key"] = run.Clinician }, submissionBody, UniqueIdempotencyKey: true);
            var trend = run.Get(run.Clinician, $"/api/v1/patients/{p0}/trends?instrument=phq9");
            var fhir = run.Get(run.Clinician, $"/fhir/r4/Observation?patient={p0}");
            // Reads first, on the cohort exactly as built; the submission runs then add rows (to patients 1–1,000 only).
            var ms = new List<Measurement>
            {
                await Measure(run, "research trajectory by session (full cohort)", run.Get(run.Researcher, "/api/v1/research/trajectory?instrument=phq9&by=session"), 1),
                await Measure(run, "research trajectory by week (full cohort)", run.Get(run.Researcher, "/api/v1/research/trajectory?instrument=phq9&by=week"), 1),
                await Measure(run, "research summary (full cohort)", run.Get(run.Researcher, "/api/v1/research/summary?instrument=phq9"), 1),
                await Measure(run, "trend, patient with 100 assessments", trend, 8),
                await Measure(run, "FHIR Observation search, one patient", fhir, 8),
                await Measure(run, "PHQ-9 submission POST (with Idempotency-Key)", submit, 32),
                await Measure(run, "PHQ-9 submission POST (with Idempotency-Key), 64 connections", submit, 64),
                // As most clients key their retries: a random UUID v4 each, which lands anywhere in the key index.
                await Measure(run, "PHQ-9 submission POST (random UUID v4 Idempotency-Key)", submit with { RandomIdempotencyKey = true }, 32),
            };
            ms.AddRange(await MeasureTogether(run, ("trend while submissions run", trend, 4), ("PHQ-9 submissions alongside trend", submit, 16)));
            ms.AddRange(await MeasureTogether(run, ("FHIR search while submissions run", fhir, 4), ("PHQ-9 submissions alongside FHIR search", submit, 16)));
            // Latency below saturation: each connection paced (closed-loop runs above measure capacity, where a tail is
            // mostly queueing for two cores shared with wrk). The health check is the machine's own floor at that pace.
            ms.Add(await Measure(run, "floor: health check, 1 connection, 20 ms apart", run.Get(run.Clinician, "/health/live").Paced(20), 1));
            ms.Add(await Measure(run, "trend, 1 connection, 20 ms apart (no other load)", trend.Paced(20), 1));
            ms.AddRange(await MeasureTogether(run, ("trend, 4 connections 40 ms apart, while submissions run at a steady rate", trend.Paced(40), 4),
                ("PHQ-9 submissions, 16 connections 16 ms apart, alongside trend", submit.Paced(16), 16)));
            ms.AddRange(await MeasureTogether(run, ("FHIR search, 4 connections 40 ms apart, while submissions run at a steady rate", fhir.Paced(40), 4),
                ("PHQ-9 submissions, 16 connections 16 ms apart, alongside FHIR search", submit.Paced(16), 16)));
            var peak = run.Service.PeakWorkingSetMb();
            Console.WriteLine($"Peak working set {peak:F0} MB");
            ResultsFile.Replace(resultsPath, "main", Report.Latest(run.Cohort, run.LoadSeconds, run.Service.StartToReady, peak, rawInserts, bare, ms, seconds, repeats));
        }
    }
    if (!summaryOnly) Console.WriteLine($"Results written to {Path.GetRelativePath(root, resultsPath)}");
}
finally
{
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    if (Environment.GetEnvironmentVariable("KO_BENCH_KEEP") == "1") Console.WriteLine($"Kept {work}");
    else Directory.Delete(work, recursive: true);
}

async Task<Measurement> Measure(ServiceRun run, string name, WrkRequest request, int connections)
{
    await Wrk.RunAsync("warm-up", run.Service.BaseAddress, request, connections, warmup, run.WorkDir);
    var m = await MedianOf(() => Wrk.RunAsync(name, run.Service.BaseAddress, request, connections, duration, run.WorkDir));
    Print(m);
    PrintMemory(run);
    return m;
}

// The run with the median throughput, reported whole (its latencies with it).
async Task<Measurement> MedianOf(Func<Task<Measurement>> measure)
{
    var runs = new List<Measurement>();
    for (var i = 0; i < repeats; i++) runs.Add(await measure());
    return runs.OrderBy(r => r.RequestsPerSecond).ElementAt(runs.Count / 2);
}

// Both loads at once (two wrk processes): the first is the figure of interest, the second the background it ran against.
async Task<Measurement[]> MeasureTogether(ServiceRun run, (string Name, WrkRequest Request, int Connections) a, (string Name, WrkRequest Request, int Connections) b)
{
    await Task.WhenAll(
        Wrk.RunAsync("warm-up", run.Service.BaseAddress, a.Request, a.Connections, warmup, run.WorkDir),
        Wrk.RunAsync("warm-up", run.Service.BaseAddress, b.Request, b.Connections, warmup, run.WorkDir));
    var runs = new List<Measurement[]>();
    for (var i = 0; i < repeats; i++)
    {
        runs.Add(await Task.WhenAll(
            Wrk.RunAsync(a.Name, run.Service.BaseAddress, a.Request, a.Connections, duration, run.WorkDir),
            Wrk.RunAsync(b.Name, run.Service.BaseAddress, b.Request, b.Connections, duration, run.WorkDir)));
    }
    // The figure of interest is the first load's tail: keep the run with its median p99.
    var both = runs.OrderBy(r => r[0].P99Ms).ElementAt(runs.Count / 2);
    foreach (var m in both) Print(m);
    PrintMemory(run);
    return both;
}

// The service's memory after each load, so the load that sets the peak working set is named in the output.
static void PrintMemory(ServiceRun run) =>
    Console.WriteLine($"  service memory: peak (VmHWM) {run.Service.PeakWorkingSetMb():F0} MB, now (VmRSS) {run.Service.WorkingSetMb():F0} MB: anonymous {run.Service.AnonymousMb():F0} MB, files {run.Service.FileBackedMb():F0} MB, shared {run.Service.SharedMb():F0} MB");

// What the durability estimate holds (responders, curve days, median), so the report shows the timed answer is not empty.
async Task<string> EstimateAsync(ServiceRun run, string path)
{
    using var client = new HttpClient { BaseAddress = run.Service.BaseAddress };
    client.DefaultRequestHeaders.Add("X-Api-Key", run.Researcher);
    var d = (await client.GetFromJsonAsync<JsonNode>(path))!;
    static string Day(JsonNode? v) => v is null ? "open" : $"day {v}";
    var median = d["medianDays"] is null
        ? "median not reached (survival stays above 0.5)"
        : $"median day {d["medianDays"]} (95 % CI {Day(d["medianCi95Low"])} to {Day(d["medianCi95High"])})";
    return string.Create(CultureInfo.InvariantCulture, $"n = {d["n"]} responders, {d["curve"]?.AsArray().Count} curve days, {median}");
}

// The cursor of the worklist page that starts at about the given patient (pages of 500 walked through the API).
async Task<string> WorklistCursorNearAsync(ServiceRun run, int patient)
{
    using var client = new HttpClient { BaseAddress = run.Service.BaseAddress };
    client.DefaultRequestHeaders.Add("X-Api-Key", run.Clinician);
    var seen = new HashSet<string>();
    string? cursor = null;
    while (true)
    {
        var page = (await client.GetFromJsonAsync<JsonNode>($"/api/v1/due?siteId=site-1&limit=500{(cursor is null ? "" : "&cursor=" + cursor)}"))!;
        foreach (var item in page["items"]!.AsArray()) seen.Add((string)item!["patientId"]!);
        cursor = (string?)page["nextCursor"] ?? throw new InvalidOperationException($"The worklist ended after {seen.Count} patients.");
        if (seen.Count >= patient) return cursor;
    }
}

// How many items the response watch lists (with its kinds), and the cursor of the page that starts about half-way.
async Task<(string Listed, string Middle)> ResponseWatchCursorNearAsync(ServiceRun run)
{
    using var client = new HttpClient { BaseAddress = run.Service.BaseAddress };
    client.DefaultRequestHeaders.Add("X-Api-Key", run.Clinician);
    var cursors = new List<string>();
    var kinds = new Dictionary<string, int>();
    string? cursor = null;
    do
    {
        var page = (await client.GetFromJsonAsync<JsonNode>($"/api/v1/response-watch?siteId=site-1&limit=50{(cursor is null ? "" : "&cursor=" + cursor)}"))!;
        foreach (var item in page["items"]!.AsArray())
        {
            var key = $"{item!["instrument"]} {item["kind"]}";
            kinds[key] = kinds.GetValueOrDefault(key) + 1;
        }
        cursor = (string?)page["nextCursor"];
        if (cursor is not null) cursors.Add(cursor);
    } while (cursor is not null);
    if (cursors.Count < 4) throw new InvalidOperationException($"The response watch has {cursors.Count + 1} pages; the cohort should put several on it.");
    var listed = string.Join(", ", kinds.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Value:N0} {k.Key}"));
    return ($"{kinds.Values.Sum():N0} items in {cursors.Count + 1} pages of 50 ({listed})", cursors[cursors.Count / 2]);
}

async Task<ServiceRun> StartAsync(int n, string dir, int sites = 3, bool setbacks = false)
{
    var (cohort, loadSeconds) = await LoadAsync(n, dir, sites, setbacks);
    return await StartServiceAsync(dir, cohort, loadSeconds);
}

async Task<(CohortBuilder.Cohort Cohort, double LoadSeconds)> LoadAsync(int n, string dir, int sites = 3, bool setbacks = false)
{
    Directory.CreateDirectory(dir);
    Console.WriteLine($"Loading {n:N0} patients…");
    var load = Stopwatch.StartNew();
    var cohort = await CohortBuilder.BuildAsync(Path.Combine(dir, "bench.db"), n, sites: sites, setbacks: setbacks);
    var loadSeconds = load.Elapsed.TotalSeconds;
    Console.WriteLine($"  {cohort.Infusions:N0} infusions, {cohort.Assessments:N0} assessments in {loadSeconds:F1} s");
    return (cohort, loadSeconds);
}

// This build's service over the cohort in dir/bench.db, with settings of its own on top of the benchmark's.
Task<ServiceRun> StartServiceAsync(string dir, CohortBuilder.Cohort cohort, double loadSeconds, IDictionary<string, string>? settings = null) =>
    StartOnAsync(dll, dir, cohort, loadSeconds, settings);

// A service (this build's or another checkout's) over the cohort in dir/bench.db.
async Task<ServiceRun> StartOnAsync(string serviceDll, string dir, CohortBuilder.Cohort cohort, double loadSeconds, IDictionary<string, string>? settings = null)
{
    var db = Path.Combine(dir, "bench.db");
    var adminKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
    var metricsPort = FreePort();
    var environment = new Dictionary<string, string>
    {
        ["ConnectionStrings__Outcomes"] = $"Data Source={db}",
        ["Auth__BootstrapAdminKey"] = adminKey,
        ["RateLimiting__PermitsPerSecond"] = "1000000",
        ["RateLimiting__Burst"] = "10000000",
        ["Logging__LogLevel__Default"] = "Warning",
        ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
        ["Metrics__Port"] = metricsPort.ToString(CultureInfo.InvariantCulture),
    };
    foreach (var (k, v) in settings ?? new Dictionary<string, string>()) environment[k] = v;
    var service = await ServiceProcess.StartAsync(serviceDll, dir, environment);
    Console.WriteLine($"Service ready in {service.StartToReady.TotalMilliseconds:F0} ms at {service.BaseAddress}");
    using var admin = new HttpClient { BaseAddress = service.BaseAddress };
    admin.DefaultRequestHeaders.Add("X-Api-Key", adminKey);
    async Task<string> Key(string role) =>
        (await (await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "bench " + role, role })).Content.ReadFromJsonAsync<JsonNode>())!["key"]!.ToString();
    return new ServiceRun(service, cohort, loadSeconds, dir, await Key("clinician"), await Key("researcher"), new Uri($"http://127.0.0.1:{metricsPort}/metrics"));
}

static int FreePort()
{
    using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
    listener.Start();
    return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
}

// The 1-, 5- and 15-minute load averages, as /proc/loadavg gives them.
static string LoadAverage() => string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

// The paced reads the latency targets name, on one service's cohort and key.
static (string Name, WrkRequest Request)[] ReadsOf(ServiceRun run) =>
[
    ("trend", run.Get(run.Clinician, $"/api/v1/patients/{run.Cohort.HundredAssessmentPatient}/trends?instrument=phq9")),
    ("FHIR search", run.Get(run.Clinician, $"/fhir/r4/Observation?patient={run.Cohort.HundredAssessmentPatient}")),
];

static WrkRequest SubmissionsOf(ServiceRun run) =>
    new("POST", run.Cohort.SubmissionPatients.Select(p => $"/api/v1/patients/{p}/questionnaires").ToArray(),
        new Dictionary<string, string> { ["Content-Type"] = "application/json", ["X-Api-Key"] = run.Clinician }, SubmissionBody, UniqueIdempotencyKey: true);

static void Print(Measurement m) =>
    Console.WriteLine($"  {m.Name,-48} {m.RequestsPerSecond,9:F0} req/s  p50 {m.P50Ms,7:F2}  p95 {m.P95Ms,7:F2}  p99 {m.P99Ms,7:F2}  max {m.MaxMs,8:F2} ms  errors {m.Errors}");

static void Run(string file, string arguments, string dir)
{
    using var p = Process.Start(new ProcessStartInfo(file, arguments) { WorkingDirectory = dir })!;
    p.WaitForExit();
    if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {arguments} failed ({p.ExitCode}).");
}

static string FindRoot()
{
    for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        if (File.Exists(Path.Combine(d.FullName, "KetamineOutcomes.sln"))) return d.FullName;
    throw new InvalidOperationException("Run from inside the repository.");
}

/// <summary>A started service over a loaded cohort, with keys for the callers the benchmark plays and its metrics address.</summary>
internal sealed record ServiceRun(ServiceProcess Service, CohortBuilder.Cohort Cohort, double LoadSeconds, string WorkDir, string Clinician, string Researcher, Uri Metrics)
{
    public WrkRequest Get(string key, string path) => new("GET", [path], new Dictionary<string, string> { ["X-Api-Key"] = key });
}

internal sealed record GrowthRow(CohortBuilder.Cohort Cohort, Measurement Trend, Measurement Trajectory);

/// <summary>One turn of the audit benchmark: a paced read beside paced submissions, and its deferred rows' window (empty when strict).</summary>
internal sealed record AuditRun(string Mode, string ReadName, Measurement Read, Measurement Submissions, DeferredWindow Window, DeferredWindow.Scrape After);
