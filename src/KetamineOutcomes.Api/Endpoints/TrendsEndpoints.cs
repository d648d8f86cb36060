using System.Data.Common;
using System.Security.Claims;
using KetamineOutcomes.Api.Audit;
using KetamineOutcomes.Api.Charts;
using KetamineOutcomes.Api.Contracts;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Api.Security;
using KetamineOutcomes.Core.Charts;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Safety;
using KetamineOutcomes.Core.Timepoints;
using KetamineOutcomes.Core.Trends;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Endpoints;

internal static class TrendsEndpoints
{
    public static RouteGroupBuilder MapTrends(this RouteGroupBuilder api)
    {
        api.MapGet("/patients/{patientId:guid}/trends", GetTrend).WithTags("Trends").WithName("GetTrend").Audited()
            .WithSummary("Baseline, status, first response/remission, relapse, loss of response and response duration, and per-point flags for one instrument (default phq9)")
            .AllowRoles(Roles.Portal, Roles.Clinician, Roles.Ehr)
            .Produces<TrendResponse>().ProducesValidationProblem().ProducesProblem(404);
        api.MapGet("/patients/{patientId:guid}/trends/{instrument}.svg", GetTrendChart).WithTags("Trends").WithName("GetTrendChart").Audited()
            .WithSummary("The trend as an SVG picture: total score against days since the first infusion, severity bands, baseline, response and remission lines, numbered infusion markers, item-9 flags")
            .AllowRoles(Roles.Portal, Roles.Clinician, Roles.Ehr)
            .Produces<string>(StatusCodes.Status200OK, "image/svg+xml").ProducesValidationProblem().ProducesProblem(404);
        return api;
    }

    internal static async Task<TrendResponse> GetTrend(Guid patientId, string? instrument, Database db, ClaimsPrincipal user, HttpContext http, CancellationToken ct)
    {
        var query = new ListQuery(http);
        var inst = query.Enum<Instrument>(instrument, "instrument") ?? Instrument.Phq9;
        query.ThrowIfInvalid();
        var (trend, timeline, infusions, openAlerts) = await LoadAsync(patientId, inst, db, user,
            (c, t) => SafetyAlertStore.ForPatientAsync(c, patientId, AlertStatus.Open, t), ct).ConfigureAwait(false);
        var byId = infusions.ToDictionary(i => i.Id);
        return new TrendResponse(
            patientId, trend.Instrument, trend.Baseline, trend.Latest, trend.Evaluable, trend.Status, trend.StatusReason,
            trend.FirstResponse, trend.FirstRemission, trend.Relapse, trend.LossOfResponse, trend.ResponseDurationDays,
            trend.ResponseEpisodes, trend.RemissionEpisodes,
            trend.Points.Select(p => new TrendPointResponse(
                p.Assessment.QuestionnaireId, p.Assessment.CompletedAt, p.Assessment.TotalScore, p.Assessment.Severity, p.Assessment.Prorated,
                p.Timepoint, p.IsBaseline, p.ChangeFromBaseline, p.PercentChange, p.Flags?.Response, p.Flags?.Remission,
                p.Flags?.PartialResponse, p.Flags?.ClinicallySignificantImprovement, p.Flags?.ReliableImprovement)).ToArray(),
            timeline.Ordered.Select((m, i) => new TrendInfusion(m.InfusionId, i + 1, m.AdministeredAt, byId[m.InfusionId].Route, byId[m.InfusionId].Drug)).ToArray(),
            openAlerts.Select(a => AlertSummary.From(a)!).ToArray(), TrendSummary.Describe(trend, timeline));
    }

    /// <summary>The trend as a picture (<see cref="TrendChart"/>), from the same reads and rules as the JSON.</summary>
    internal static async Task<IResult> GetTrendChart(
        Guid patientId, string instrument, string? width, string? height, Database db, ClaimsPrincipal user, HttpContext http, CancellationToken ct)
    {
        var query = new ListQuery(http);
        var inst = query.RequiredEnum<Instrument>(instrument, "instrument");
        var w = query.Int(width, "width", TrendChart.MinWidth, TrendChart.MaxWidth) ?? TrendChart.DefaultWidth;
        var h = query.Int(height, "height", TrendChart.MinHeight, TrendChart.MaxHeight) ?? TrendChart.DefaultHeight;
        query.ThrowIfInvalid();
        var (trend, timeline, _, item9) = await LoadAsync(patientId, inst, db, user, (c, t) => inst == Instrument.Phq9
            ? QuestionnaireStore.Item9PositiveIdsAsync(c, patientId, t)
            : Task.FromResult<IReadOnlySet<Guid>>(new HashSet<Guid>()), ct).ConfigureAwait(false);
        return Results.Text(TrendChartSvg.Write(TrendChart.Create(trend, timeline, item9, w, h)), TrendChartSvg.ContentType);
    }

    /// <summary>
    /// The reads and rules both forms share, plus what only one of them needs (<paramref name="extra"/>: the JSON's open
    /// alerts, the picture's item-9 answers), in the same read.
    /// </summary>
    private static async Task<(Trend Trend, InfusionTimeline Timeline, IReadOnlyList<InfusionRecord> Infusions, TExtra Extra)> LoadAsync<TExtra>(
        Guid patientId, Instrument inst, Database db, ClaimsPrincipal user, Func<DbConnection, CancellationToken, Task<TExtra>> extra, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var (infusions, questionnaires, more) = await db.ReadAsync(async (c, t) =>
        {
            await PatientAccess.EnsureVisibleAsync(c, patientId, caller, null, t).ConfigureAwait(false);
            return (await InfusionStore.ListForPatientAsync(c, patientId, t).ConfigureAwait(false),
                await QuestionnaireStore.ScoresForPatientAsync(c, patientId, inst, t).ConfigureAwait(false),
                await extra(c, t).ConfigureAwait(false));
        }, ct).ConfigureAwait(false);
        var timeline = infusions.ToTimeline();
        return (TrendCalculator.Compute(inst, timeline, questionnaires), timeline, infusions, more);
    }
}
