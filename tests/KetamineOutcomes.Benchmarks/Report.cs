using System.Globalization;
using System.Text;

namespace KetamineOutcomes.Benchmarks;

/// <summary>The markdown the benchmark writes: machine, cohort, ceilings, our figures as ratios, and the targets.</summary>
internal static class Report
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Latest(CohortBuilder.Cohort cohort, double loadSeconds, TimeSpan startToReady, double peakMb, double rawInserts,
        IReadOnlyList<Measurement> bare, IReadOnlyList<Measurement> ms, double seconds, int repeats)
    {
        Measurement M(string name) => ms.Single(m => m.Name == name);
        var submit = M("PHQ-9 submission POST (with Idempotency-Key)");
        var submit64 = M("PHQ-9 submission POST (with Idempotency-Key), 64 connections");
        var (bare32, bare64) = (bare[0], bare[1]);
        var trendLoaded = M("trend while submissions run");
        var fhirLoaded = M("FHIR search while submissions run");
        var trajectory = M("research trajectory by session (full cohort)");
        var floor = M("floor: health check, 1 connection, 20 ms apart");
        var trendSteady = M("trend, 4 connections 40 ms apart, while submissions run at a steady rate");
        var fhirSteady = M("FHIR search, 4 connections 40 ms apart, while submissions run at a steady rate");
        string Steady(Measurement m, string alongside) =>
            $"{m.P99Ms:F2} ms ({m.RequestsPerSecond:F0} req/s beside {M(alongside).RequestsPerSecond:F0} submissions/s)";

        var sb = new StringBuilder();
        sb.AppendLine(Inv, $"## Latest run: {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC").AppendLine();
        Machine(sb);
        sb.AppendLine(Inv, $"- Cohort: {cohort.Patients:N0} patients, {cohort.Infusions:N0} infusions, {cohort.Assessments:N0} assessments (PHQ-9 and GAD-7), deterministic seed; bulk-loaded in {loadSeconds:F1} s through the real stores.");
        sb.AppendLine("- Service: Release build as its own process on 127.0.0.1, SQLite file (WAL; group commit, every acknowledged write fsynced before its answer), auth, audit, idempotency and rate limiting on.");
        sb.AppendLine(Inv, $"- Each figure: warm-up, then the median of {repeats} runs of {seconds:F0} s of closed-loop load (throughput figures: the run with the median requests/s; figures under load: the run with the median p99).").AppendLine();

        sb.AppendLine("### Targets (ratios to the ceilings measured in this run)").AppendLine();
        sb.AppendLine("| target | ours | yardstick | ratio / figure | goal | met |");
        sb.AppendLine("|---|---:|---:|---:|---:|:-:|");
        Row(sb, "submissions (32 connections) vs single-row durable inserts", $"{submit.RequestsPerSecond:F0} req/s", $"{rawInserts:F0} rows/s", submit.RequestsPerSecond / rawInserts, "≥ 1.00 ×", submit.RequestsPerSecond / rawInserts >= 1.0);
        Row(sb, "submissions (64 connections) vs single-row durable inserts", $"{submit64.RequestsPerSecond:F0} req/s", $"{rawInserts:F0} rows/s", submit64.RequestsPerSecond / rawInserts, "≥ 1.00 ×", submit64.RequestsPerSecond / rawInserts >= 1.0);
        Row(sb, "submissions vs bare Kestrel POST, 32 connections each", $"{submit.RequestsPerSecond:F0} req/s", $"{bare32.RequestsPerSecond:F0} req/s", submit.RequestsPerSecond / bare32.RequestsPerSecond, "≥ 0.20 ×", submit.RequestsPerSecond / bare32.RequestsPerSecond >= 0.2);
        Row(sb, "submissions vs bare Kestrel POST, 64 connections each", $"{submit64.RequestsPerSecond:F0} req/s", $"{bare64.RequestsPerSecond:F0} req/s", submit64.RequestsPerSecond / bare64.RequestsPerSecond, "≥ 0.20 ×", submit64.RequestsPerSecond / bare64.RequestsPerSecond >= 0.2);
        var (trend, search) = (M("trend, patient with 100 assessments"), M("FHIR Observation search, one patient"));
        Row(sb, "FHIR Observation search vs trend, same patient, 8 connections each (issue 24)", $"{search.RequestsPerSecond:F0} req/s", $"{trend.RequestsPerSecond:F0} req/s",
            search.RequestsPerSecond / trend.RequestsPerSecond, "≥ 0.80 ×", search.RequestsPerSecond / trend.RequestsPerSecond >= 0.8);
        Fig(sb, "trend p99 while submissions run, both saturating (closed loop)", $"{trendLoaded.P99Ms:F2} ms", "≤ 10 ms", trendLoaded.P99Ms <= 10);
        Fig(sb, "trend p99 while submissions run at a steady rate (both paced)", Steady(trendSteady, "PHQ-9 submissions, 16 connections 16 ms apart, alongside trend"), "≤ 10 ms", trendSteady.P99Ms <= 10);
        Fig(sb, "FHIR Observation search p99 while submissions run, both saturating", $"{fhirLoaded.P99Ms:F2} ms", "≤ 15 ms", fhirLoaded.P99Ms <= 15);
        Fig(sb, "FHIR search p99 while submissions run at a steady rate (both paced)", Steady(fhirSteady, "PHQ-9 submissions, 16 connections 16 ms apart, alongside FHIR search"), "≤ 15 ms", fhirSteady.P99Ms <= 15);
        Fig(sb, "research trajectory, full cohort (p50; max)", $"{trajectory.P50Ms:F0} ms; {trajectory.MaxMs:F0} ms", "≤ 250 ms", trajectory.P50Ms <= 250);
        Fig(sb, "service peak working set (VmHWM)", $"{peakMb:F0} MB", "≤ 300 MB", peakMb <= 300);
        Fig(sb, "cold start to ready (process start → /health/ready 200)", $"{startToReady.TotalMilliseconds:F0} ms", "≤ 2,000 ms", startToReady.TotalMilliseconds <= 2000);
        sb.AppendLine();
        sb.AppendLine(Inv, $"Latency yardstick: the liveness check (`/health/live`, no store access; one connection, 20 ms apart, no other load) answers in p50 {floor.P50Ms:F2} ms, p99 {floor.P99Ms:F2} ms on this machine: the floor under every latency above.");
        sb.AppendLine();

        sb.AppendLine("### All figures").AppendLine();
        sb.AppendLine("| what | connections | requests/s | p50 ms | p95 ms | p99 ms | max ms | errors |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        sb.AppendLine(Inv, $"| ceiling: single-row durable inserts (Dapper, SQLite WAL, synchronous=FULL) | 1 | {rawInserts:F0} rows/s | | | | | |");
        foreach (var b in bare) Line(sb, b);
        foreach (var m in ms) Line(sb, m);
        return sb.ToString();
    }

    public static string Growth(IReadOnlyList<GrowthRow> rows, double seconds, int repeats)
    {
        var sb = new StringBuilder();
        sb.AppendLine(Inv, $"## How cost grows with the cohort: {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC").AppendLine();
        Machine(sb);
        sb.AppendLine(Inv, $"- Each figure: warm-up, then the median of {repeats} runs of {seconds:F0} s; trend with 8 connections, trajectory (by session, PHQ-9) with 1.").AppendLine();
        sb.AppendLine("| patients | assessments | trend req/s | trend p50 ms | trend p99 ms | trajectory p50 ms | trajectory max ms | trajectory ms per 1,000 patients |");
        sb.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
            sb.AppendLine(Inv, $"| {r.Cohort.Patients:N0} | {r.Cohort.Assessments:N0} | {r.Trend.RequestsPerSecond:F0} | {r.Trend.P50Ms:F2} | {r.Trend.P99Ms:F2} | {r.Trajectory.P50Ms:F0} | {r.Trajectory.MaxMs:F0} | {r.Trajectory.P50Ms / (r.Cohort.Patients / 1000.0):F1} |");
        return sb.ToString();
    }

    /// <summary>The site worklist (<c>GET /due</c>, issue 21): p50 of one page on a site of 10,000 patients, target ≤ 50 ms.</summary>
    public static string Worklist(CohortBuilder.Cohort cohort, IReadOnlyList<Measurement> ms, double seconds, int repeats)
    {
        var sb = new StringBuilder();
        sb.AppendLine(Inv, $"## Site worklist (GET /due): {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC").AppendLine();
        Machine(sb);
        sb.AppendLine(Inv, $"- One site of {cohort.Patients:N0} patients, {cohort.Infusions:N0} infusions, {cohort.Assessments:N0} assessments (the main cohort's seed, all in site-1), default plan; derived on every read at the machine's date, when every course has ended (each patient has overdue interval occurrences).");
        sb.AppendLine(Inv, $"- Each figure: warm-up, then the median of {repeats} runs of {seconds:F0} s; one connection, 20 ms between requests (no other load), unless named.").AppendLine();
        sb.AppendLine("| what | connections | requests/s | p50 ms | p95 ms | p99 ms | max ms | errors | p50 ≤ 50 ms |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|:-:|");
        foreach (var m in ms)
            sb.AppendLine(Inv, $"| {m.Name} | {m.Connections} | {m.RequestsPerSecond:F0} | {m.P50Ms:F2} | {m.P95Ms:F2} | {m.P99Ms:F2} | {m.MaxMs:F2} | {m.Errors} | {(m.P50Ms <= 50 ? "yes" : "**no**")} |");
        return sb.ToString();
    }

    /// <summary>The response watch (<c>GET /response-watch</c>, issue 22): p50 of one page on a site of 10,000 patients, target ≤ 50 ms.</summary>
    public static string ResponseWatch(CohortBuilder.Cohort cohort, string listed, IReadOnlyList<Measurement> ms, double seconds, int repeats)
    {
        var sb = new StringBuilder();
        sb.AppendLine(Inv, $"## Response watch (GET /response-watch): {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC").AppendLine();
        Machine(sb);
        sb.AppendLine(Inv, $"- One site of {cohort.Patients:N0} patients, {cohort.Infusions:N0} infusions, {cohort.Assessments:N0} assessments (the main cohort's seed, all in site-1; every fifth patient's last six assessments climb back to ~80 % of baseline); load average at the end {LoadAverage()}.");
        sb.AppendLine(Inv, $"- On the watch: {listed}.");
        sb.AppendLine(Inv, $"- Each figure: warm-up, then the median of {repeats} runs of {seconds:F0} s; one connection, 20 ms between requests (no other load), unless named.").AppendLine();
        sb.AppendLine("| what | connections | requests/s | p50 ms | p95 ms | p99 ms | max ms | errors | p50 ≤ 50 ms |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|:-:|");
        foreach (var m in ms)
            sb.AppendLine(Inv, $"| {m.Name} | {m.Connections} | {m.RequestsPerSecond:F0} | {m.P50Ms:F2} | {m.P95Ms:F2} | {m.P99Ms:F2} | {m.MaxMs:F2} | {m.Errors} | {(m.P50Ms <= 50 ? "yes" : "**no**")} |");
        return sb.ToString();
    }

    public static string Durability(CohortBuilder.Cohort cohort, string estimate, IReadOnlyList<Measurement> ms, double seconds, int repeats)
    {
        var sb = new StringBuilder();
        sb.AppendLine(Inv, $"## Research durability (GET /research/durability): {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC").AppendLine();
        Machine(sb);
        sb.AppendLine(Inv, $"- The main cohort: {cohort.Patients:N0} patients, {cohort.Infusions:N0} infusions, {cohort.Assessments:N0} assessments over three sites; k = 11. The estimate timed: {estimate}.");
        sb.AppendLine(Inv, $"- Each figure: warm-up, then the median of {repeats} runs of {seconds:F0} s; one connection, closed loop (no other load).").AppendLine();
        sb.AppendLine("| what | connections | requests/s | p50 ms | p95 ms | p99 ms | max ms | errors | p50 ≤ 250 ms |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|:-:|");
        foreach (var m in ms)
            sb.AppendLine(Inv, $"| {m.Name} | {m.Connections} | {m.RequestsPerSecond:F0} | {m.P50Ms:F2} | {m.P95Ms:F2} | {m.P99Ms:F2} | {m.MaxMs:F2} | {m.Errors} | {(m.P50Ms <= 250 ? "yes" : "**no**")} |");
        return sb.ToString();
    }

    /// <summary>
    /// Issue 24: the paced reads beside paced submissions with Audit:ReadDurability strict and deferred (turns of the two,
    /// in one run), and the unflushed window of deferred read audit rows. Marked LOADED: figures from a shared, busy
    /// machine compare the two modes with each other, not with the targets.
    /// </summary>
    public static string AuditDurability(CohortBuilder.Cohort cohort, IReadOnlyList<AuditRun> runs, string loadBefore, string loadAfter, double seconds, int repeats)
    {
        var sb = new StringBuilder();
        sb.AppendLine(Inv, $"## Read audit durability, strict beside deferred (GET trend / FHIR search beside ~700 submissions/s): {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC").AppendLine();
        Machine(sb);
        // This VM idles at a 1-minute load of 2–3 (its own kernel threads); above 4 other work shares the two cores.
        var quiet = OneMinute(loadBefore) <= QuietLoad && OneMinute(loadAfter) <= QuietLoad;
        sb.AppendLine(quiet
            ? string.Create(Inv, $"- Quiet machine — load average (1 / 5 / 15 min) {loadBefore} before and {loadAfter} after the measurements (≤ {QuietLoad:F0} on the 1-minute figure: no other work on the 2 cores); the targets apply to `deferred`: trend p99 ≤ {TrendP99TargetMs:F0} ms, FHIR search p99 ≤ {FhirP99TargetMs:F0} ms.")
            : string.Create(Inv, $"- **Loaded machine** — load average (1 / 5 / 15 min) {loadBefore} before and {loadAfter} after the measurements: other work shared the 2 cores, so these figures compare strict with deferred under the same conditions and say nothing of the targets. **To be re-measured on a quiet machine.**"));
        sb.AppendLine(Inv, $"- Two services (Release, SQLite, group commit) over copies of one cohort ({cohort.Patients:N0} patients, {cohort.Assessments:N0} assessments): `Audit__ReadDurability=strict` and `=deferred`, measured in turns (strict then deferred, trend then FHIR search), {repeats} turns of {seconds:F0} s each; per figure the turn with the median read p99.");
        sb.AppendLine("- Each turn: the read on 4 connections, each pausing 40 ms before each request, beside PHQ-9 submissions on 16 connections pausing 16 ms (about 700/s when the machine keeps up).");
        sb.AppendLine("- Unflushed window (deferred only): for each read audit row, the time from its answer being released to the row being durable (committed and its WAL flush done), from the service's `ketamine_outcomes_audit_deferred_flush_lag_seconds` histogram (p99 interpolated inside its bucket) and `…_flush_lag_max_seconds` (exact). A power cut loses at most the rows younger than this.").AppendLine();
        sb.AppendLine("| read | mode | read req/s | read p50 ms | read p99 ms | read max ms | submissions/s | submit p99 ms | errors | unflushed window p99 ms | window max ms (all turns) | rows in the window figure | p99 target (deferred) |");
        sb.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|:-:|");
        foreach (var group in runs.GroupBy(r => (r.ReadName, r.Mode)))
        {
            var all = group.ToList();
            var m = all.OrderBy(r => r.Read.P99Ms).ElementAt(all.Count / 2);
            var deferred = group.Key.Mode == "deferred";
            var window = deferred ? $"{m.Window.P99Ms:F2} (≤ {m.Window.P99BucketMs:F1})" : "0 (answer waits)";
            var max = deferred ? $"{all.Max(r => r.Window.MaxMs):F2}" : "0";
            var rows = deferred ? $"{m.Window.Rows:F0}" : "";
            var targetMs = group.Key.ReadName == "trend" ? TrendP99TargetMs : FhirP99TargetMs;
            var target = !deferred ? "" : string.Create(Inv, $"≤ {targetMs:F0} ms: {(!quiet ? "not judged (loaded)" : m.Read.P99Ms <= targetMs ? "yes" : "**no**")}");
            sb.AppendLine(Inv, $"| {group.Key.ReadName} | {group.Key.Mode} | {m.Read.RequestsPerSecond:F0} | {m.Read.P50Ms:F2} | {m.Read.P99Ms:F2} | {m.Read.MaxMs:F2} | {m.Submissions.RequestsPerSecond:F0} | {m.Submissions.P99Ms:F2} | {m.Read.Errors + m.Submissions.Errors} | {window} | {max} | {rows} | {target} |");
        }
        sb.AppendLine();
        var last = runs.LastOrDefault(r => r.Mode == "deferred")?.After;
        sb.AppendLine(Inv, $"Deferred rows lost over the run: {last?.Lost ?? 0}; written strictly because deferral was refused (queue full, failing or stalled): {last?.FellBack ?? 0}.").AppendLine();
        sb.AppendLine("Every turn:").AppendLine();
        sb.AppendLine("| turn | read | mode | read p99 ms | submissions/s | window p99 ms | window max ms |");
        sb.AppendLine("|---:|---|---|---:|---:|---:|---:|");
        for (var i = 0; i < runs.Count; i++)
        {
            var r = runs[i];
            var deferred = r.Mode == "deferred";
            sb.AppendLine(Inv, $"| {i / 4 + 1} | {r.ReadName} | {r.Mode} | {r.Read.P99Ms:F2} | {r.Submissions.RequestsPerSecond:F0} | {(deferred ? r.Window.P99Ms.ToString("F2", Inv) : "")} | {(deferred ? r.Window.MaxMs.ToString("F2", Inv) : "")} |");
        }
        return sb.ToString();
    }

    // Issue 24's latency targets in deferred mode, beside ~700 submissions/s paced.
    private const double TrendP99TargetMs = 10, FhirP99TargetMs = 15, QuietLoad = 4;

    private static double OneMinute(string loadavg) => double.Parse(loadavg.Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], Inv);

    public static string Fhir(CohortBuilder.Cohort cohort, string? baselineRoot, IReadOnlyList<FhirRow> rows, string loadBefore, string loadAfter, double seconds, int repeats)
    {
        static string Load(string loadavg) => string.Join(" ", loadavg.Split(' ').Take(3));
        var sb = new StringBuilder();
        sb.AppendLine(Inv, $"## FHIR targets (issue 24): {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC").AppendLine();
        Machine(sb);
        sb.AppendLine(Inv, $"- Load average {Load(loadBefore)} before, {Load(loadAfter)} after (1, 5, 15 min): on a loaded machine only ratios measured side by side mean much.");
        sb.AppendLine(Inv, $"- Cohort: {cohort.Patients:N0} patients, {cohort.Assessments:N0} assessments; patient 0 has 100 (its FHIR search has more than 50 Observations: totals and PHQ-9 item 9).");
        if (baselineRoot is not null)
            sb.AppendLine("- Two builds, each on its own copy of the same database, run interleaved: every round runs each load on each build in turn (order alternating).");
        sb.AppendLine(Inv, $"- Each figure: warm-up, then the median by requests/s of {repeats} runs of {seconds:F0} s of closed-loop load (wrk). Trend and search 8 connections, POSTs 32.").AppendLine();
        sb.AppendLine("| build | trend req/s | FHIR search req/s | search / trend (≥ 0.80) | JSON POST req/s | FHIR POST req/s | FHIR POST / JSON POST (≥ 0.80) |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            sb.AppendLine(Inv, $"| {r.Build} | {r.Trend.RequestsPerSecond:F0} | {r.Search.RequestsPerSecond:F0} | {r.SearchToTrend:F2} × {(r.SearchToTrend >= 0.8 ? "" : "(**no**)")} | " +
                $"{r.JsonPost.RequestsPerSecond:F0} | {r.FhirPost.RequestsPerSecond:F0} | {r.FhirPostToJsonPost:F2} × {(r.FhirPostToJsonPost >= 0.8 ? "" : "(**no**)")} |");
        }
        if (rows.Count == 2)
        {
            // Medians of noisy runs can pick different rounds per build; the pairs measured back to back are the comparison.
            sb.AppendLine().AppendLine(Inv, $"Round by round, {rows[0].Build} / {rows[1].Build} (requests/s of each pair, measured back to back):").AppendLine();
            sb.AppendLine("| load | " + string.Join(" | ", rows[0].Rounds[0].Select((_, i) => $"round {i + 1}")) + " |");
            sb.AppendLine("|---|" + string.Concat(rows[0].Rounds[0].Select(_ => "---:|")));
            string[] names = ["trend", "FHIR search", "JSON POST", "FHIR POST"];
            for (var l = 0; l < names.Length; l++)
            {
                var pairs = rows[0].Rounds[l].Zip(rows[1].Rounds[l], (a, b) => $"{a.RequestsPerSecond:F0} / {b.RequestsPerSecond:F0} ({a.RequestsPerSecond / b.RequestsPerSecond:F2} ×)");
                sb.AppendLine(Inv, $"| {names[l]} | {string.Join(" | ", pairs)} |");
            }
        }
        sb.AppendLine().AppendLine("| what | connections | requests/s | p50 ms | p95 ms | p99 ms | max ms | errors |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
            foreach (var m in new[] { r.Trend, r.Search, r.JsonPost, r.FhirPost }) Line(sb, m);
        return sb.ToString();
    }

    private static void Machine(StringBuilder sb)
    {
        sb.AppendLine(Inv, $"- Machine: {CpuModel()} × {Environment.ProcessorCount} cores, {MemoryGb():F0} GiB; .NET {Environment.Version}; {System.Runtime.InteropServices.RuntimeInformation.OSDescription}.");
        sb.AppendLine("- Load generator: wrk 4.1.0 (Debian), 2 threads, keep-alive, on the same cores as the service.");
    }

    private static void Row(StringBuilder sb, string what, string ours, string yardstick, double ratio, string goal, bool met) =>
        sb.AppendLine(Inv, $"| {what} | {ours} | {yardstick} | {ratio:F2} × | {goal} | {(met ? "yes" : "**no**")} |");

    private static void Fig(StringBuilder sb, string what, string figure, string goal, bool met) =>
        sb.AppendLine(Inv, $"| {what} | {figure} | | | {goal} | {(met ? "yes" : "**no**")} |");

    private static void Line(StringBuilder sb, Measurement m) =>
        sb.AppendLine(Inv, $"| {m.Name} | {m.Connections} | {m.RequestsPerSecond:F0} | {m.P50Ms:F2} | {m.P95Ms:F2} | {m.P99Ms:F2} | {m.MaxMs:F2} | {m.Errors} |");

    private static string LoadAverage() => string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private static string CpuModel() =>
        File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";

    private static double MemoryGb() =>
        double.Parse(File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], Inv) / 1024 / 1024;
}
