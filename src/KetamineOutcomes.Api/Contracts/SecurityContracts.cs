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

/// <summary>Creates an API key. A site-bound key sees only that site's patients.</summary>
/// <param name="Name">
/// Who or what uses the key, e.g. "north clinic portal" (1–100 characters), stored in NFC; control and format
/// characters are refused (SPEC v2 Boundaries; <see cref="KetamineOutcomes.Core.IdentifierText"/>).
/// </param>
public sealed record CreateApiKeyRequest([Required] string? Name, [Required] ApiRole? Role, string? SiteId);

/// <param name="KeyPrefix">The key's first characters, to tell keys apart.</param>
public sealed record ApiKeyResponse(Guid Id, string Name, ApiRole Role, string? SiteId, string KeyPrefix, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt);

/// <param name="Key">The key itself: shown only in this response, never again (only its hash is stored).</param>
public sealed record CreatedApiKeyResponse(Guid Id, string Name, ApiRole Role, string? SiteId, string KeyPrefix, DateTimeOffset CreatedAt, string? Key);

/// <summary>One audit row: who (key id and role) did what (action) to which patient, when, with what outcome.</summary>
public sealed record AuditEventResponse(
    long Seq, DateTimeOffset At, Guid? KeyId, string? Role, string Action, Guid? PatientId, int StatusCode, string Outcome, string RequestId);
