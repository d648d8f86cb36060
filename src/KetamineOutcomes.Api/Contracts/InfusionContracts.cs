using System.ComponentModel.DataAnnotations;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Patients;

namespace KetamineOutcomes.Api.Contracts;

/// <summary>Blood pressure around the session in mmHg (REMS: before and before discharge).</summary>
public sealed record BloodPressureDto(int? PreSystolic, int? PreDiastolic, int? PostSystolic, int? PostDiastolic);

/// <summary>Records one administration. A back-dated infusion re-numbers sessions and re-keys later assessments.</summary>
public sealed record CreateInfusionRequest(
    [Required] DateTimeOffset? AdministeredAt, [Required] AdministrationRoute? Route, [Required] Drug? Drug, double? DoseMg, double? DoseMgPerKg, int? DurationMinutes,
    BloodPressureDto? BloodPressure, SideEffect[]? SideEffects, string? Notes);

/// <param name="SessionNumber">Position in administration order now (1-based); it moves if an earlier infusion is recorded later.</param>
/// <param name="Status"><c>final</c>, <c>amended</c> or <c>entered-in-error</c> (SPEC v2, Corrections).</param>
/// <param name="Version">1 as recorded, + 1 per correction; the ETag is <c>W/"version"</c>.</param>
/// <param name="LastUpdated">When the current version was stored.</param>
public sealed record InfusionResponse(
    Guid Id, Guid PatientId, int SessionNumber, DateTimeOffset AdministeredAt, AdministrationRoute Route, Drug Drug, double? DoseMg,
    double? DoseMgPerKg, int? DurationMinutes, BloodPressureDto? BloodPressure, IReadOnlyList<SideEffect> SideEffects,
    string? Notes, DateTimeOffset CreatedAt, RecordStatus Status, int Version, DateTimeOffset LastUpdated);
