using System.Globalization;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using CsvHelper;
using KetamineOutcomes.Api.Audit;
using KetamineOutcomes.Api.Contracts;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Api.Plans;
using KetamineOutcomes.Api.Security;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Patients;
using KetamineOutcomes.Core.Plans;
using KetamineOutcomes.Core.Research;
using KetamineOutcomes.Core.Timepoints;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;
using Microsoft.Extensions.Options;

namespace KetamineOutcomes.Api.Endpoints;

internal static class ResearchEndpoints
{
    public static RouteGroupBuilder MapResearch(this RouteGroupBuilder api)
    {
        // Researchers only, and they reach nothing else; output is anonymised and small cells are suppressed.
        var group = api.MapGroup("/research").WithTags("Research").AllowRoles(Roles.Researcher).Audited();

        group.MapGet("/trajectory", Trajectory).WithName("GetResearchTrajectory")
            .WithSummary("Scores by session or week across consenting patients: n, mean, SD, 95% CI, response and remission rates; small cells suppressed")
            .Produces<TrajectoryResponse>().ProducesValidationProblem();
        group.MapGet("/summary", Summary).WithName("GetResearchSummary")
            .WithSummary("Cohort and evaluable counts, mean baseline, response/remission at latest and after sessions 1 and 6, median days to first response, adherence to the measurement plans")
            .Produces<ResearchSummaryResponse>().ProducesValidationProblem();
        group.MapGet("/durability", Durability).WithName("GetResearchDurability")
            .WithSummary("Kaplan–Meier of days from first response to loss of response: curve with log-log 95% CI, median and its CI; small cells suppressed")
            .Produces<DurabilityResponse>().ProducesValidationProblem();
        group.MapGet("/export.csv", Export).WithName("ExportResearchCsv").WithMetadata(new StreamedAnswerMetadata())
            .WithSummary("De-identified long-format CSV (RFC 4180): one row per assessment, pseudonymous id, age band, relative days only")
            .Produces<string>(StatusCodes.Status200OK, "text/csv").ProducesValidationProblem();
        return group;
    }

    private static (Instrument Instrument, ResearchFilter Filter) ParseFilters(
        ListQuery query, string? instrument, string? siteId, string? route, string? drug, string? diagnosis, Caller caller)
    {
        var inst = query.RequiredEnum<Instrument>(instrument, "instrument");
        var filter = new ResearchFilter(
            query.SiteId(siteId) ?? caller.SiteId, query.Enum<Diagnosis>(diagnosis, "diagnosis"), query.Enum<AdministrationRoute>(route, "route"), query.Enum<Drug>(drug, "drug"));
        query.ThrowIfInvalid();
        return (inst, filter);
    }

    internal static async Task<IResult> Trajectory(
        string? instrument, string? by, string? siteId, string? route, string? drug, string? diagnosis,
        ResearchReads reads, IOptions<ResearchOptions> research, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, ClaimsPrincipal user, HttpContext http, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var query = new ListQuery(http);
        var grouping = query.Once(by, "by") switch
        {
            null or "session" => TrajectoryGrouping.Session,
            "week" => TrajectoryGrouping.Week,
            _ => Invalid(query, "by", "Must be one of: session, week."),
        };
        var (inst, filter) = ParseFilters(query, instrument, siteId, route, drug, diagnosis, caller);
        var k = research.Value.MinCellSize;

        // A site-bound researcher asking for another site gets an empty cohort, never that site's figures.
        var acc = caller.CanSee(filter.SiteId)
            ? await AccumulateAsync(reads, inst, filter, () => new TrajectoryAccumulator(inst, grouping), (a, b) => a.Merge(b), ct).ConfigureAwait(false)
            : new TrajectoryAccumulator(inst, grouping);
        var response = new TrajectoryResponse(inst, grouping == TrajectoryGrouping.Week ? "week" : "session", k,
            acc.Finish(k).Select(b => new TrajectoryBucketResponse(
                b.Bucket.IsBaseline ? "baseline" : b.Bucket.Number!.Value, b.Suppressed, b.N, b.Mean, b.Sd, b.Ci95Low, b.Ci95High,
                b.ResponseRate, b.RemissionRate, b.Suppressed ? null : b.RateSuppressed)).ToArray());
        var node = JsonSerializer.SerializeToNode(response, json.Value.SerializerOptions)!;
        foreach (var bucket in node["buckets"]!.AsArray()) KeepOnlyWhenSuppressed(bucket!.AsObject(), "bucket", "suppressed");
        return Results.Json(node, json.Value.SerializerOptions);
    }

    internal static async Task<IResult> Summary(
        string? instrument, string? siteId, string? route, string? drug, string? diagnosis,
        ResearchReads reads, IOptions<ResearchOptions> research, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, ClaimsPrincipal user,
        TimeProvider clock, HttpContext http, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var (inst, filter) = ParseFilters(new ListQuery(http), instrument, siteId, route, drug, diagnosis, caller);
        var k = research.Value.MinCellSize;
        var now = clock.GetUtcNow();
        var acc = new SummaryAccumulator(inst);
        var adherence = new AdherenceAccumulator(PlanInstruments.Of(inst), now, _ => PlanHistory.Of(MeasurementPlan.Default));
        if (caller.CanSee(filter.SiteId))
        {
            Func<string?, PlanHistory> plans;
            await using (var c = await reads.Connections.OpenAsync(ct).ConfigureAwait(false)) plans = await SitePlans.AllHistoriesAsync(c, ct).ConfigureAwait(false);
            // The scores and the schedules in one pass: the same infusions and scores feed both.
            var parts = await AccumulateAsync(reads,
                () => new SummaryParts(new SummaryAccumulator(inst), new AdherenceAccumulator(PlanInstruments.Of(inst), now, plans)),
                (partition, p, t) => ResearchStore.ReadCohortWithSchedulesAsync(reads.Connections, inst, filter, partition, p.Scores, p.Adherence, t),
                (a, b) => a.Merge(b), ct).ConfigureAwait(false);
            (acc, adherence) = (parts.Scores, parts.Adherence);
        }
        var s = acc.Finish(k);
        var a = adherence.Finish(k);
        static OutcomeRatesResponse? Rates(OutcomeRates? r) => r is null ? null : new(r.ResponseRate, r.RemissionRate, r.RateSuppressed);
        var response = new ResearchSummaryResponse(inst, k, s.Suppressed, s.CohortN, s.EvaluableN, s.MeanBaseline,
            s.Latest?.ResponseRate, s.Latest?.RemissionRate, s.Latest?.RateSuppressed, s.MedianDaysToFirstResponse,
            Rates(s.AfterSession1), Rates(s.AfterSession6), s.MedianResponseDurationDays,
            s.Suppressed ? null : a.Rate, s.Suppressed ? null : a.RateSuppressed);
        var node = JsonSerializer.SerializeToNode(response, json.Value.SerializerOptions)!.AsObject();
        KeepOnlyWhenSuppressed(node, "instrument", "minCellSize", "suppressed");
        return Results.Json(node, json.Value.SerializerOptions);
    }

    internal static async Task<IResult> Durability(
        string? instrument, string? siteId, string? route, string? drug, string? diagnosis,
        ResearchReads reads, IOptions<ResearchOptions> research, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json, ClaimsPrincipal user, HttpContext http, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var (inst, filter) = ParseFilters(new ListQuery(http), instrument, siteId, route, drug, diagnosis, caller);
        var k = research.Value.MinCellSize;
        var acc = caller.CanSee(filter.SiteId)
            ? await AccumulateAsync(reads, inst, filter, () => new DurabilityAccumulator(inst), (a, b) => a.Merge(b), ct).ConfigureAwait(false)
            : new DurabilityAccumulator(inst);
        var d = acc.Finish(k);
        var response = new DurabilityResponse(inst, k, d.Suppressed, d.N, d.MedianDays, d.MedianCi95Low, d.MedianCi95High, d.MedianSuppressed,
            d.Curve?.Select(s => new DurabilityPointResponse(s.Day, s.AtRisk, s.Survival, s.Ci95Low, s.Ci95High)).ToArray());
        var node = JsonSerializer.SerializeToNode(response, json.Value.SerializerOptions)!.AsObject();
        KeepOnlyWhenSuppressed(node, "instrument", "minCellSize", "suppressed");
        return Results.Json(node, json.Value.SerializerOptions);
    }

    internal static IResult Export(string? instrument, ResearchReads reads, TimeProvider clock, ClaimsPrincipal user, HttpContext http, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var query = new ListQuery(http);
        var inst = query.RequiredEnum<Instrument>(instrument, "instrument");
        query.ThrowIfInvalid();
        var itemCount = InstrumentDefinition.For(inst).ItemCount;
        var filter = new ResearchFilter(caller.SiteId, null, null, null);

        return Results.Stream(async body =>
        {
            await using var writer = new StreamWriter(body, new UTF8Encoding(false), bufferSize: 16 * 1024);
            await using var csv = CsvWriter.Create(writer, new CsvWriterOptions { FormatProvider = CultureInfo.InvariantCulture }, leaveOpen: false);
            csv.WriteHeader(ExportColumns(itemCount).ToArray());
            await foreach (var p in ResearchStore.StreamCohortAsync(reads.Connections, inst, filter, ct).ConfigureAwait(false))
            {
                var timeline = new InfusionTimeline(p.Infusions.Select(i => new InfusionMoment(i.Id, i.AdministeredAt)));
                var byId = p.Infusions.ToDictionary(i => i.Id);
                // Age in the year the course started (else of the first assessment): one band per patient.
                var referenceYear = (timeline.FirstInfusionAt ?? (p.Assessments.Count > 0 ? p.Assessments[0].CompletedAt : clock.GetUtcNow())).UtcDateTime.Year;
                var ageBand = AgeBand.Of(p.BirthYear, referenceYear);
                var diagnoses = string.Join(';', p.Diagnoses.Select(WireNames.Of));
                foreach (var a in p.Assessments)
                {
                    var tp = timeline.At(a.CompletedAt);
                    var infusion = tp.InfusionId is { } id ? byId[id] : null;
                    csv.WriteField(p.PseudoId);
                    csv.WriteField(p.Sex is { } sex ? WireNames.Of(sex) : "");
                    csv.WriteField(ageBand ?? "");
                    csv.WriteField(diagnoses);
                    csv.WriteField(infusion is null ? "" : WireNames.Of(infusion.Route));
                    csv.WriteField(infusion is null ? "" : WireNames.Of(infusion.Drug));
                    csv.WriteField(WireNames.Of(inst));
                    csv.WriteField(tp.SessionNumber.ToString(CultureInfo.InvariantCulture));
                    csv.WriteField(tp.DaysSinceFirstInfusion?.ToString(CultureInfo.InvariantCulture) ?? "");
                    csv.WriteField(a.TotalScore.ToString(CultureInfo.InvariantCulture));
                    csv.WriteField(a.Prorated ? "true" : "false");
                    for (var i = 0; i < itemCount; i++) csv.WriteField(i < a.Items.Count && a.Items[i] is { } v ? v.ToString(CultureInfo.InvariantCulture) : "");
                    await csv.EndRecordAsync(ct).ConfigureAwait(false);
                }
            }
            // The export is not complete (its last rows and the chunked end still buffered) until what it read is on disk.
            await reads.DurableAsync(ct).ConfigureAwait(false);
        }, "text/csv; charset=utf-8", $"ketamine-outcomes-{WireNames.Of(inst)}.csv");
    }

    /// <summary>The export's header, in SPEC order.</summary>
    internal static IEnumerable<string> ExportColumns(int itemCount) =>
        FixedColumns.Concat(Enumerable.Range(1, itemCount).Select(i => $"item{i}"));

    private static readonly string[] FixedColumns =
        ["pseudoId", "sex", "ageBand", "diagnoses", "route", "drug", "instrument", "sessionNumber", "daysSinceFirstInfusion", "totalScore", "prorated"];

    /// <summary>
    /// Reads the cohort in patient-id partitions side by side (one per core, up to four), each into an accumulator of
    /// its own, then merges them; the accumulators' figures do not depend on the order patients arrive in.
    /// </summary>
    private static Task<TAcc> AccumulateAsync<TAcc>(ResearchReads reads, Instrument inst, ResearchFilter filter,
        Func<TAcc> create, Action<TAcc, TAcc> merge, CancellationToken ct) where TAcc : ICourseSink =>
        AccumulateAsync(reads, create, (partition, acc, t) => ResearchStore.ReadCohortScoresAsync(reads.Connections, inst, filter, partition, acc, t), merge, ct);

    /// <summary>The same partitioned read and merge with any per-partition reader (the summary's schedules).</summary>
    private static async Task<TAcc> AccumulateAsync<TAcc>(ResearchReads reads, Func<TAcc> create,
        Func<ResearchStore.Partition, TAcc, CancellationToken, Task> read, Action<TAcc, TAcc> merge, CancellationToken ct)
    {
        var partitions = await ResearchStore.PartitionsAsync(reads.Connections, Math.Clamp(Environment.ProcessorCount, 1, 4), ct).ConfigureAwait(false);
        var parts = await Task.WhenAll(partitions.Select(partition => Task.Run(async () =>
        {
            var acc = create();
            await read(partition, acc, ct).ConfigureAwait(false);
            return acc;
        }, ct))).ConfigureAwait(false);
        for (var i = 1; i < parts.Length; i++) merge(parts[0], parts[i]);
        await reads.DurableAsync(ct).ConfigureAwait(false);
        return parts[0];
    }

    /// <summary>The summary's two accumulators, filled by one read of each partition.</summary>
    private sealed record SummaryParts(SummaryAccumulator Scores, AdherenceAccumulator Adherence)
    {
        public void Merge(SummaryParts other)
        {
            Scores.Merge(other.Scores);
            Adherence.Merge(other.Adherence);
        }
    }

    private static void KeepOnlyWhenSuppressed(JsonObject node, params string[] keep)
    {
        if (node["suppressed"]?.GetValue<bool>() != true) return;
        foreach (var key in node.Select(kv => kv.Key).Where(k => !keep.Contains(k)).ToArray()) node.Remove(key);
    }

    private static TrajectoryGrouping Invalid(ListQuery query, string field, string message)
    {
        query.Add(field, message);
        return default;
    }
}
