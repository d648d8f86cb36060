using System.ComponentModel.DataAnnotations;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Safety;
using KetamineOutcomes.Core.Timepoints;

namespace KetamineOutcomes.Api.Contracts;

/// <summary>C-SSRS screener answers. thoughtsOfMethod, intent and plan are asked only when suicidalThoughts is true.</summary>
public sealed record SubmitCheckinRequest(
    [Required] DateTimeOffset? CompletedAt, [Required] bool? WishToBeDead, [Required] bool? SuicidalThoughts, bool? ThoughtsOfMethod, bool? Intent, bool? Plan,
    [Required] SuicidalBehavior? SuicidalBehavior, string? Source);

/// <param name="Status"><c>final</c>, <c>amended</c> or <c>entered-in-error</c> (SPEC v2, Corrections).</param>
/// <param name="Version">1 as submitted, + 1 per correction; the ETag is <c>W/"version"</c>.</param>
/// <param name="LastUpdated">When the current version was stored.</param>
public sealed record CheckinResponse(
    Guid Id, Guid PatientId, DateTimeOffset CompletedAt, bool WishToBeDead, bool SuicidalThoughts, bool? ThoughtsOfMethod,
    bool? Intent, bool? Plan, SuicidalBehavior SuicidalBehavior, RiskLevel RiskLevel, string? Source, Timepoint Timepoint,
    AlertSummary? Alert, DateTimeOffset CreatedAt, RecordStatus Status, int Version, DateTimeOffset LastUpdated);
