using System.Security.Claims;
using KetamineOutcomes.Api.Audit;
using KetamineOutcomes.Api.Contracts;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Api.Security;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Safety;
using KetamineOutcomes.Core.Trends;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Endpoints;

internal static class TrendsEndpoints
{
    public static RouteGroupBuilder MapTrends(this RouteGroupBuilder api)
    {
        api.MapGet("/patients/{patientId:guid}/trends", GetTrend).WithTags("Trends").WithName("GetTrend").Audited()
            .WithSummary("Baseline, status, first response/remission, relapse and per-point flags for one instrument (default phq9)")
            .AllowRoles(Roles.Portal, Roles.Clinician, Roles.Ehr)
            .Produces<TrendResponse>().ProducesValidationProblem().ProducesProblem(404);
        return api;
    }

    internal static async Task<TrendResponse> GetTrend(Guid patientId, string? instrument, Database db, ClaimsPrincipal user, CancellationToken ct)
    {
        var caller = Caller.From(user);
        var query = new ListQuery();
        var inst = query.Enum<Instrument>(instrument, "instrument") ?? Instrument.Phq9;
        query.ThrowIfInvalid();
        var (infusions, questionnaires, openAlerts) = await db.ReadAsync(async (c, t) =>
        {
            await PatientAccess.EnsureVisibleAsync(c, patientId, caller, null, t).ConfigureAwait(false);
            return (await InfusionStore.ListForPatientAsync(c, patientId, t).ConfigureAwait(false),
                await QuestionnaireStore.ScoresForPatientAsync(c, patientId, inst, t).ConfigureAwait(false),
                await SafetyAlertStore.ForPatientAsync(c, patientId, AlertStatus.Open, t).ConfigureAwait(false));
        }, ct).ConfigureAwait(false);

        var timeline = infusions.ToTimeline();
        var trend = TrendCalculator.Compute(inst, timeline, questionnaires);
        var byId = infusions.ToDictionary(i => i.Id);
        return new TrendResponse(
            patientId, trend.Instrument, trend.Baseline, trend.Latest, trend.Evaluable, trend.Status, trend.StatusReason,
            trend.FirstResponse, trend.FirstRemission, trend.Relapse,
            trend.Points.Select(p => new TrendPointResponse(
                p.Assessment.QuestionnaireId, p.Assessment.CompletedAt, p.Assessment.TotalScore, p.Assessment.Severity, p.Assessment.Prorated,
                p.Timepoint, p.IsBaseline, p.ChangeFromBaseline, p.PercentChange, p.Flags?.Response, p.Flags?.Remission,
                p.Flags?.PartialResponse, p.Flags?.ClinicallySignificantImprovement, p.Flags?.ReliableImprovement)).ToArray(),
            timeline.Ordered.Select((m, i) => new TrendInfusion(m.InfusionId, i + 1, m.AdministeredAt, byId[m.InfusionId].Route, byId[m.InfusionId].Drug)).ToArray(),
            openAlerts.Select(a => AlertSummary.From(a)!).ToArray());
    }
}
