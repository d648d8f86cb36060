using System.ComponentModel.DataAnnotations;
using KetamineOutcomes.Api.Corrections;
using KetamineOutcomes.Core.Plans;

namespace KetamineOutcomes.Api.Contracts;

/// <summary>
/// <c>PUT /sites/{siteId}/measurement-plan</c> (SPEC v2, Measurement plans): the whole new plan. Each rule is
/// <c>{ id, instrument, anchor }</c> plus its anchor's fields — enrolment: <c>windowDays</c>; after-infusion:
/// <c>offsetHours</c>, <c>windowHours</c>, <c>sessions</c>?; interval: <c>everyDays</c>, <c>phase</c>, <c>windowDays</c>.
/// Refused with a 400 naming the field (<c>rules[2].everyDays</c>): a missing or out-of-range field, another anchor's
/// field, a duplicate id, more than 50 rules, a field the contract does not have (<see cref="MeasurementPlanValidation"/>).
/// </summary>
public sealed record PutMeasurementPlanRequest([Required] IReadOnlyList<PlanRuleDraft?>? Rules);

/// <summary>
/// A site's current measurement plan. <c>version</c> 0 and <c>default</c> true: the site has stored none and the
/// default plan applies (then <c>changedAt</c> and <c>changedBy</c> are null). Its ETag is <c>W/"version"</c>.
/// </summary>
/// <param name="ChangedBy">Who stored this version: <c>{ "type": "key", "id", "name" }</c>.</param>
public sealed record MeasurementPlanResponse(
    string SiteId, int Version, bool Default, IReadOnlyList<PlanRuleDraft> Rules, DateTimeOffset? ChangedAt, Actor? ChangedBy);

/// <summary>
/// One row of a site's worklist (<c>GET /due</c>): an occurrence that is <c>due</c> now, or <c>overdue</c> (its window
/// closed within the last 30 days and no assessment completed it). The window [dueAt, windowEnd] is inclusive (UTC).
/// </summary>
public sealed record WorklistItem(
    Guid PatientId, string? Mrn, string RuleId, PlanInstrument Instrument, DateTimeOffset DueAt, DateTimeOffset WindowEnd, OccurrenceStatus Status);
