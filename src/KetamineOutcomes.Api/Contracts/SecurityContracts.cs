using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace KetamineOutcomes.Api.Contracts;

public enum ApiRole
{
    [JsonStringEnumMemberName("portal")] Portal,
    [JsonStringEnumMemberName("clinician")] Clinician,
    [JsonStringEnumMemberName("ehr")] Ehr,
    [JsonStringEnumMemberName("researcher")] Researcher,
    [JsonStringEnumMemberName("admin")] Admin,
}

/// <summary>Creates an API key. A site-bound key sees only that site's patients; a patient-bound key only that patient.</summary>
/// <param name="Name">
/// Who or what uses the key, e.g. "north clinic portal" (1–100 characters), stored in NFC; control and format
/// characters are refused (SPEC v2 Boundaries; <see cref="KetamineOutcomes.Core.IdentifierText"/>).
/// </param>
/// <param name="SiteId">The site the key is bound to; with <paramref name="PatientId"/> it must be that patient's site, and when left out becomes it.</param>
/// <param name="PatientId">
/// Binds a portal key to one patient, for that patient's own app (issue 18): the key then reads and writes only that
/// patient (any other answers 404). Only with role <c>portal</c> (else 400); an unknown patient → 400; a site-bound admin
/// binds only a patient of its own site (else 403).
/// </param>
public sealed record CreateApiKeyRequest([Required] string? Name, [Required] ApiRole? Role, string? SiteId, Guid? PatientId);

/// <param name="KeyPrefix">The key's first characters, to tell keys apart.</param>
/// <param name="PatientId">The patient a patient-bound portal key is bound to; null for every other key.</param>
public sealed record ApiKeyResponse(
    Guid Id, string Name, ApiRole Role, string? SiteId, Guid? PatientId, string KeyPrefix, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <param name="Key">The key itself: shown only in this response, never again (only its hash is stored).</param>
/// <param name="PatientId">The patient a patient-bound portal key is bound to; null for every other key.</param>
public sealed record CreatedApiKeyResponse(
    Guid Id, string Name, ApiRole Role, string? SiteId, Guid? PatientId, string KeyPrefix, DateTimeOffset CreatedAt, string? Key);

/// <summary>
/// One audit row: who (key id and role) did what (action) to which patient or target, when, with what outcome
/// (SPEC "Security" and "Security, continued").
/// </summary>
/// <param name="KeyId">The acting key; null for a call without a valid key.</param>
/// <param name="PatientId">The patient a patient-data call touched; null on admin rows.</param>
/// <param name="TargetType">What an admin action acted on: <c>api-key</c> or <c>webhook-delivery</c>; or the record a correction
/// or history read acted on: <c>questionnaire</c>, <c>suicidality-checkin</c>, <c>infusion</c>, <c>patient</c>; null for lists and other patient rows.</param>
/// <param name="TargetId">The id of that key, delivery or record; null when none.</param>
/// <param name="SiteId">The site an admin action concerned (the key's or delivery's site, else the acting key's); null: none or every site.</param>
/// <param name="ClientAddress">Only on rows of calls without a valid key: the client address (an aggregated row: the address, an IPv6 /64, or <c>*</c> for addresses past the tracking cap).</param>
/// <param name="Count">How many calls the row stands for: 1, or the refusals an <c>AnonymousRefusals</c> row aggregates for its one-minute window starting at <c>at</c>.</param>
public sealed record AuditEventResponse(
    long Seq, DateTimeOffset At, Guid? KeyId, string? Role, string Action, Guid? PatientId, int StatusCode, string Outcome, string RequestId,
    string? TargetType, Guid? TargetId, string? SiteId, string? ClientAddress, long Count);
