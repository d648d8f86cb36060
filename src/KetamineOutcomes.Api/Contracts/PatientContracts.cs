using System.ComponentModel.DataAnnotations;
using KetamineOutcomes.Core.Patients;

namespace KetamineOutcomes.Api.Contracts;

/// <summary>Registers a patient. Only <c>researchConsent</c> is required; identifiers are optional.</summary>
/// <remarks>
/// Request fields are nullable so that a missing one reaches the handler, which answers 400 naming it; [Required] marks
/// the fields the handler requires, and the OpenAPI document's <c>required</c> lists exactly those.
/// </remarks>
/// <param name="Mrn">
/// Medical record number, unique within the site (1–64 characters), stored and compared in NFC; control and format
/// characters are refused (SPEC v2 Boundaries; <see cref="KetamineOutcomes.Core.IdentifierText"/>).
/// </param>
/// <param name="SiteId">Clinic site identifier (letters, digits, '.', '_', '-'; 1–64).</param>
/// <param name="BirthYear">Year of birth (1900 to this year); research uses it only as a 5-year age band.</param>
public sealed record CreatePatientRequest(
    string? Mrn, string? SiteId, int? BirthYear, Sex? Sex, Diagnosis[]? Diagnoses, [Required] bool? ResearchConsent);

/// <param name="Version">1 as registered, + 1 per change (a PUT, or a research-consent change); the ETag is <c>W/"version"</c>.</param>
/// <param name="LastUpdated">When the current version was stored (the same instant as <paramref name="UpdatedAt"/>).</param>
public sealed record PatientResponse(
    Guid Id, string? Mrn, string? SiteId, int? BirthYear, Sex? Sex, IReadOnlyList<Diagnosis> Diagnoses,
    bool ResearchConsent, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, int Version, DateTimeOffset LastUpdated);

public sealed record ResearchConsentRequest([Required] bool? ResearchConsent);

/// <summary>A page of a list: follow <c>nextCursor</c> until it is null.</summary>
public sealed record ListResponse<T>(IReadOnlyList<T> Items, string? NextCursor);
