using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using KetamineOutcomes.Benchmarks;

// Usage: dotnet run -c Release --project tests/KetamineOutcomes.Benchmarks [patients] [seconds per run]
var patients = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
var seconds = args.Length > 1 ? double.Parse(args[1], CultureInfo.InvariantCulture) : 10;
var root = FindRoot();
var results = Path.Combine(root, "tests", "KetamineOutcomes.Benchmarks", "RESULTS.md");

Console.WriteLine("Building the service (Release)…");
Run("dotnet", $"build -c Release --nologo -v q {Path.Combine(root, "src", "KetamineOutcomes.Api")}", root);
var dll = Path.Combine(root, "src", "KetamineOutcomes.Api", "bin", "Release", "net10.0", "KetamineOutcomes.Api.dll");

var work = Directory.CreateTempSubdirectory("ko-bench-").FullName;
try
{
    var db = Path.Combine(work, "bench.db");
    Console.WriteLine($"Loading {patients:N0} patients…");
    var load = Stopwatch.StartNew();
    var cohort = await CohortBuilder.BuildAsync(db, patients);
    var loadSeconds = load.Elapsed.TotalSeconds;
    Console.WriteLine($"  {cohort.Infusions:N0} infusions, {cohort.Assessments:N0} assessments in {loadSeconds:F1} s");

    var adminKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(24));
    await using var service = await ServiceProcess.StartAsync(dll, work, new Dictionary<string, string>
    {
        ["ConnectionStrings__Outcomes"] = $"Data Source={db}",
        ["Auth__BootstrapAdminKey"] = adminKey,
        ["RateLimiting__PermitsPerSecond"] = "1000000",
        ["RateLimiting__Burst"] = "10000000",
        ["Logging__LogLevel__Default"] = "Warning",
        ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
    });
    Console.WriteLine($"Service ready in {service.StartToReady.TotalMilliseconds:F0} ms at {service.BaseAddress}");

    using var admin = new HttpClient { BaseAddress = service.BaseAddress };
    admin.DefaultRequestHeaders.Add("X-Api-Key", adminKey);
    async Task<string> Key(string role) =>
        (await (await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "bench " + role, role })).Content.ReadFromJsonAsync<JsonNode>())!["key"]!.ToString();
    var clinician = await Key("clinician");
    var researcher = await Key("researcher");
    var duration = TimeSpan.FromSeconds(seconds);
    var warmup = TimeSpan.FromSeconds(Math.Min(2, seconds / 5));
    var p0 = cohort.HundredAssessmentPatient;

    var measurements = new List<Measurement>();
    async Task Measure(string name, string key, int connections, Func<HttpClient, int, Task<HttpResponseMessage>> send)
    {
        var m = await Load.RunAsync(name, service.BaseAddress, key, connections, warmup, duration, send);
        measurements.Add(m);
        Console.WriteLine($"  {m.Name,-48} {m.RequestsPerSecond,9:F0} req/s  p50 {m.P50Ms,7:F2}  p95 {m.P95Ms,7:F2}  p99 {m.P99Ms,7:F2}  max {m.MaxMs,8:F2} ms  errors {m.Errors}");
    }

    await Measure("research trajectory by session (full cohort)", researcher, 1, (h, _) => h.GetAsync("/api/v1/research/trajectory?instrument=phq9&by=session"));
    await Measure("research trajectory by week (full cohort)", researcher, 1, (h, _) => h.GetAsync("/api/v1/research/trajectory?instrument=phq9&by=week"));
    await Measure("research summary (full cohort)", researcher, 1, (h, _) => h.GetAsync("/api/v1/research/summary?instrument=phq9"));
    await Measure("trend, patient with 100 assessments", clinician, 8, (h, _) => h.GetAsync($"/api/v1/patients/{p0}/trends?instrument=phq9"));
    var body = new { instrument = "phq9", completedAt = "2026-03-02T09:00:00Z", items = new[] { 2, 2, 1, 2, 1, 1, 2, 1, 0 }, source = "bench" };
    await Measure("PHQ-9 submission (POST)", clinician, 16, (h, _) => h.PostAsJsonAsync($"/api/v1/patients/{p0}/questionnaires", body));

    var peak = service.PeakWorkingSetMb();
    await File.WriteAllTextAsync(results, Report(cohort, loadSeconds, service.StartToReady, peak, measurements, seconds));
    Console.WriteLine($"Peak working set {peak:F0} MB. Results written to {Path.GetRelativePath(root, results)}");
}
finally
{
    Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    if (Environment.GetEnvironmentVariable("KO_BENCH_KEEP") == "1") Console.WriteLine($"Kept {work}");
    else Directory.Delete(work, recursive: true);
}

static string Report(CohortBuilder.Cohort cohort, double loadSeconds, TimeSpan startToReady, double peakMb, List<Measurement> ms, double seconds)
{
    var sb = new StringBuilder();
    sb.AppendLine("# Benchmark results").AppendLine();
    sb.AppendLine(CultureInfo.InvariantCulture, $"Run {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC with `dotnet run -c Release --project tests/KetamineOutcomes.Benchmarks`.").AppendLine();
    sb.AppendLine("## Machine").AppendLine();
    sb.AppendLine(CultureInfo.InvariantCulture, $"- CPU: {CpuModel()} × {Environment.ProcessorCount} cores; memory {MemoryGb():F0} GiB");
    sb.AppendLine(CultureInfo.InvariantCulture, $"- .NET {Environment.Version}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}");
    sb.AppendLine("- Load generator: the benchmark's own HttpClient driver (closed loop, keep-alive connections) on the same machine; service and driver share the cores.").AppendLine();
    sb.AppendLine("## Cohort").AppendLine();
    sb.AppendLine(CultureInfo.InvariantCulture, $"{cohort.Patients:N0} patients, {cohort.Infusions:N0} infusions, {cohort.Assessments:N0} assessments (PHQ-9 and GAD-7), deterministic seed; loaded in {loadSeconds:F1} s through the real stores.").AppendLine();
    sb.AppendLine("## Service (Release, SQLite WAL synchronous=FULL, auth and audit on)").AppendLine();
    sb.AppendLine(CultureInfo.InvariantCulture, $"- Cold start to ready (process start → `/health/ready` 200, migrations checked): {startToReady.TotalMilliseconds:F0} ms");
    sb.AppendLine(CultureInfo.InvariantCulture, $"- Peak working set (VmHWM) over the whole run: {peakMb:F0} MB").AppendLine();
    sb.AppendLine(CultureInfo.InvariantCulture, $"Each row: warm-up, then {seconds:F0} s of closed-loop requests.").AppendLine();
    sb.AppendLine("| what | connections | requests/s | p50 ms | p95 ms | p99 ms | max ms | errors |");
    sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
    foreach (var m in ms)
        sb.AppendLine(CultureInfo.InvariantCulture, $"| {m.Name} | {m.Connections} | {m.RequestsPerSecond:F0} | {m.P50Ms:F2} | {m.P95Ms:F2} | {m.P99Ms:F2} | {m.MaxMs:F2} | {m.Errors} |");
    return sb.ToString();
}

static string CpuModel() =>
    File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";

static double MemoryGb() =>
    double.Parse(File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024 / 1024;

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
