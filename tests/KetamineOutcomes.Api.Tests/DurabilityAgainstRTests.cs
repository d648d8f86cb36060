using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using KetamineOutcomes.Core.Research;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// Runs where R's <c>survival</c> package is installed (Debian <c>r-cran-survival</c>); skipped elsewhere, so the README's
/// <c>dotnet test</c> passes without R. <c>.ci/run</c> installs it and sets <c>KO_REQUIRE_R=1</c>: there a missing R
/// fails the test instead of skipping it.
/// </summary>
public sealed class RFactAttribute : FactAttribute
{
    public RFactAttribute()
    {
        if (Environment.GetEnvironmentVariable("KO_REQUIRE_R") == "1") return;
        if (RSurvival.Missing() is { } missing)
            Skip = $"{missing}. To run: sudo apt-get install -y r-cran-survival, then dotnet test (.ci/run does this).";
    }
}

/// <summary>
/// GET /research/durability against an implementation nobody here wrote: R's <c>survival::survfit(Surv(days, event) ~ 1,
/// conf.type = "log-log")</c> and <c>quantile(fit, 0.5)</c>, run on the cohort the endpoint used — each consenting
/// responder's <c>responseDurationDays</c> and whether the trend has a <c>lossOfResponse</c>, read from the patients'
/// trends, not from the research path.
/// </summary>
public class DurabilityAgainstRTests() : ApiTest(new() { ["Research:MinCellSize"] = "5" })
{
    private const int K = 5;
    private const double Tolerance = 1e-9;

    [RFact]
    public async Task Curve_interval_and_median_equal_R_survfit_log_log_on_the_endpoints_cohort()
    {
        var patients = await CohortAsync();
        using var researcher = ClientWith(await CreateKeyAsync("researcher"));
        foreach (var site in new string?[] { null, "north" })
        {
            var times = new List<SurvivalTime>();
            foreach (var (id, siteId, consent) in patients)
            {
                if (consent && (site is null || siteId == site)) await AddTimeAsync(GetOkAsync, id, times);
            }
            var endpoint = JsonNode.Parse(await researcher.GetStringAsync(
                "/api/v1/research/durability?instrument=phq9" + (site is null ? "" : $"&siteId={site}")))!;
            var r = await AssertEqualToRAsync(times, endpoint, K, site ?? "all sites");
            Assert.True(r.Steps.Count >= 8 && r.Steps.Any(s => s.Events > 1), "the cohort should have many event days, some with ties");
            Assert.True(r.Median is not null && r.MedianLow is not null && r.MedianHigh is not null, "the median and both its limits should exist");
        }
    }

    /// <summary>A patient's time as the trend gives it: <c>responseDurationDays</c>, and an event when it has a <c>lossOfResponse</c>.</summary>
    internal static async Task AddTimeAsync(Func<string, Task<JsonNode>> get, string patientId, List<SurvivalTime> times)
    {
        var trend = await get($"/api/v1/patients/{patientId}/trends?instrument=phq9");
        if (trend["responseDurationDays"] is { } days) times.Add(new SurvivalTime((int)days, trend["lossOfResponse"] is not null));
    }

    /// <summary>
    /// Core's estimate on every event day and the endpoint's curve (R's rows while at least k are at risk) equal R's
    /// survival and limits to 1e-9; Core's median and limits equal R's, and the endpoint gives each where it is on the curve.
    /// </summary>
    internal static async Task<RSurvival.Fit> AssertEqualToRAsync(List<SurvivalTime> times, JsonNode endpoint, int k, string label)
    {
        var r = await RSurvival.FitAsync(times);
        Assert.Equal(times.Count, (int)endpoint["n"]!);

        var core = KaplanMeier.Estimate(times);
        Assert.Equal(r.Steps.Select(s => (s.Day, s.AtRisk, s.Events)), core.Steps.Select(s => (s.Day, s.AtRisk, s.Events)));
        foreach (var (mine, theirs) in core.Steps.Zip(r.Steps))
        {
            Close(theirs.Survival, mine.Survival, $"{label} day {theirs.Day} survival");
            Close(theirs.Low, mine.Ci95Low, $"{label} day {theirs.Day} lower");
            Close(theirs.High, mine.Ci95High, $"{label} day {theirs.Day} upper");
        }

        var published = r.Steps.TakeWhile(s => s.AtRisk >= k).ToArray();
        var curve = endpoint["curve"]!.AsArray();
        Assert.Equal(published.Select(s => (s.Day, s.AtRisk)), curve.Select(c => ((int)c!["day"]!, (int)c["atRisk"]!)));
        foreach (var (point, theirs) in curve.Zip(published))
        {
            Close(theirs.Survival, (double)point!["survival"]!, $"{label} endpoint day {theirs.Day} survival");
            Close(theirs.Low, (double?)point["ci95Low"], $"{label} endpoint day {theirs.Day} lower");
            Close(theirs.High, (double?)point["ci95High"], $"{label} endpoint day {theirs.Day} upper");
        }

        // Core's unsuppressed median and limits equal R's; the endpoint publishes each only on or before its curve's last day.
        Assert.Equal((r.Median, r.MedianLow, r.MedianHigh), (core.Median, core.MedianCi95Low, core.MedianCi95High));
        double? OnCurve(double? day) => day is { } d && published.Length > 0 && d <= published[^1].Day ? d : null;
        Assert.Equal((OnCurve(r.Median), OnCurve(r.MedianLow), OnCurve(r.MedianHigh)),
            ((double?)endpoint["medianDays"], (double?)endpoint["medianCi95Low"], (double?)endpoint["medianCi95High"]));
        Assert.Equal(OnCurve(r.Median) != r.Median || OnCurve(r.MedianLow) != r.MedianLow || OnCurve(r.MedianHigh) != r.MedianHigh,
            (bool)endpoint["medianSuppressed"]!);
        return r;
    }

    private static void Close(double? expected, double? actual, string what)
    {
        Assert.True(expected is null == actual is null, $"{what}: R {expected?.ToString("R", CultureInfo.InvariantCulture) ?? "NA"}, ours {actual?.ToString("R", CultureInfo.InvariantCulture) ?? "null"}");
        if (expected is { } e) Assert.True(Math.Abs(e - actual!.Value) <= Tolerance, $"{what}: R {e:R}, ours {actual:R}");
    }

    /// <summary>
    /// 44 patients over two sites (4 without research consent) with baselines 16–24 the hour before infusion 1 (day 0),
    /// a second infusion on day 3, a response on day 1–4 and, 0–30 days (even days, a few hours past midnight) later,
    /// either a loss or a last assessment still responding: many ties of events and censors on one day.
    /// </summary>
    private async Task<List<(string Id, string SiteId, bool Consent)>> CohortAsync()
    {
        var random = new Random(22);
        var patients = new List<(string, string, bool)>();
        for (var i = 0; i < 44; i++)
        {
            var site = i % 3 == 0 ? "south" : "north";
            var consent = i % 11 != 5;
            var id = await CreatePatientAsync(siteId: site, consent: consent);
            await InfusionAsync(id, Day0);
            await InfusionAsync(id, Day0.AddDays(3));
            var baseline = random.Next(16, 25);
            await Phq9Async(id, Day0.AddHours(-1), Phq9Items(baseline));
            var responseAt = Day0.AddDays(random.Next(1, 5)).AddHours(2);
            await Phq9Async(id, responseAt, Phq9Items(baseline / 2));
            var later = responseAt.AddDays(2 * random.Next(0, 16)).AddHours(random.Next(0, 20));
            var lost = random.NextDouble() < 0.65;
            await Phq9Async(id, later, Phq9Items(lost ? baseline / 2 + 1 + random.Next(0, 5) : random.Next(0, baseline / 2 + 1)));
            patients.Add((id, site, consent));
        }
        return patients;
    }
}

/// <summary>The same check on the seeded demo cohort (60 synthetic patients over two sites) at the default k = 11.</summary>
public class DurabilityAgainstROnDemoTests() : ApiTest(new() { ["Seed:Demo"] = "true", ["Research:MinCellSize"] = "11" })
{
    [RFact]
    public async Task Demo_cohort_estimate_equals_R_survfit_log_log()
    {
        var times = new List<SurvivalTime>();
        string? cursor = null;
        do
        {
            var page = await GetOkAsync("/api/v1/patients?limit=100" + (cursor is null ? "" : $"&cursor={cursor}"));
            foreach (var p in page["items"]!.AsArray())
            {
                if ((bool)p!["researchConsent"]!) await DurabilityAgainstRTests.AddTimeAsync(GetOkAsync, (string)p["id"]!, times);
            }
            cursor = (string?)page["nextCursor"];
        }
        while (cursor is not null);

        using var researcher = ClientWith(await CreateKeyAsync("researcher"));
        var endpoint = JsonNode.Parse(await researcher.GetStringAsync("/api/v1/research/durability?instrument=phq9"))!;
        var r = await DurabilityAgainstRTests.AssertEqualToRAsync(times, endpoint, 11, "demo cohort");
        Assert.NotNull(r.Median);
    }
}

/// <summary>R's survival package run on a cohort through <c>Rscript</c>, in a temporary folder removed afterwards.</summary>
internal static class RSurvival
{
    internal sealed record Step(int Day, int AtRisk, int Events, double Survival, double? Low, double? High);

    internal sealed record Fit(IReadOnlyList<Step> Steps, double? Median, double? MedianLow, double? MedianHigh);

    private const string Script = """
        suppressPackageStartupMessages(library(survival))
        args <- commandArgs(trailingOnly = TRUE)
        d <- read.csv(args[1])
        fit <- survfit(Surv(days, event) ~ 1, data = d, conf.type = "log-log")
        s <- summary(fit)
        g <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
        out <- c(paste("step", s$time, s$n.risk, s$n.event, g(s$surv), g(s$lower), g(s$upper), sep = ","))
        q <- quantile(fit, 0.5)
        out <- c(out, paste("median", g(q$quantile), g(q$lower), g(q$upper), sep = ","))
        writeLines(out, args[2])
        """;

    /// <summary>What this machine lacks to run R's survival package, or null.</summary>
    internal static string? Missing()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        if (!path.Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, "Rscript")))) return "no Rscript on PATH";
        return null;
    }

    internal static async Task<Fit> FitAsync(IEnumerable<SurvivalTime> times)
    {
        var dir = Directory.CreateTempSubdirectory("ko-r-");
        try
        {
            var csv = new StringBuilder("days,event\n");
            foreach (var t in times) csv.Append(CultureInfo.InvariantCulture, $"{t.Days},{(t.Event ? 1 : 0)}\n");
            var (data, script, output) = (Path.Combine(dir.FullName, "cohort.csv"), Path.Combine(dir.FullName, "fit.R"), Path.Combine(dir.FullName, "fit.txt"));
            await File.WriteAllTextAsync(data, csv.ToString());
            await File.WriteAllTextAsync(script, Script);

            var start = new ProcessStartInfo("Rscript", ["--vanilla", script, data, output]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var r = Process.Start(start)!;
            var stderr = r.StandardError.ReadToEndAsync();
            _ = r.StandardOutput.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            try
            {
                await r.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                r.Kill(entireProcessTree: true);
                throw;
            }
            Assert.True(r.ExitCode == 0, $"Rscript failed ({r.ExitCode}): {await stderr}");
            return Parse(await File.ReadAllLinesAsync(output));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static Fit Parse(string[] lines)
    {
        static double? D(string s) => s == "NA" ? null : double.Parse(s, CultureInfo.InvariantCulture);
        var steps = lines.Where(l => l.StartsWith("step,", StringComparison.Ordinal)).Select(l => l.Split(',')).Select(f => new Step(
            int.Parse(f[1], CultureInfo.InvariantCulture), int.Parse(f[2], CultureInfo.InvariantCulture), int.Parse(f[3], CultureInfo.InvariantCulture),
            D(f[4])!.Value, D(f[5]), D(f[6]))).ToArray();
        var median = lines.Single(l => l.StartsWith("median,", StringComparison.Ordinal)).Split(',');
        return new Fit(steps, D(median[1]), D(median[2]), D(median[3]));
    }
}
