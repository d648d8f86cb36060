namespace KetamineOutcomes.Api.Errors;

/// <summary>The addressed resource does not exist (or is not visible to the caller).</summary>
public sealed class ResourceNotFoundException(string resource) : Exception($"{resource} not found.")
{
    public string Resource { get; } = resource;
}

/// <summary>The caller is known but may not do this (403), e.g. create a patient in another site.</summary>
public sealed class ForbiddenException(string detail) : Exception(detail);

/// <summary>The request conflicts with the current state (409).</summary>
public sealed class StateConflictException(string title, string detail) : Exception(detail)
{
    public string Title { get; } = title;
}

/// <summary>The Idempotency-Key was already used with a different request: body, method or path (422).</summary>
public sealed class IdempotencyKeyReusedException()
    : Exception("This Idempotency-Key was already used with a different request (another body, method or path).");

/// <summary>
/// Well-formed input the service will not process as sent (422), e.g. a FHIR QuestionnaireResponse whose status is
/// in-progress; <see cref="Field"/> names where (a FHIRPath under /fhir).
/// </summary>
public sealed class UnprocessableContentException(string field, string detail) : Exception(detail)
{
    public string Field { get; } = field;
}

/// <summary>
/// The caller asked (Accept or FHIR <c>_format</c>) for a representation the service does not produce (406, RFC 9110
/// §15.5.7); the message names what was asked and what is served.
/// </summary>
public sealed class NotAcceptableException(string detail) : Exception(detail);

/// <summary>A body in a media type the service recognises but with a parameter it does not read (415), e.g. a charset or FHIR version.</summary>
public sealed class UnsupportedMediaTypeException(string detail) : Exception(detail)
{
    public const string Title = "Unsupported media type parameter";
}

/// <summary>A correction was sent without <c>If-Match</c> (428, RFC 6585 §3; SPEC v2, Corrections).</summary>
public sealed class PreconditionRequiredException()
    : Exception("Send If-Match with the ETag of the version you read (GET the record first), e.g. If-Match: W/\"1\".");

/// <summary>
/// The record changed since the version the caller read (412, RFC 9110 §13.1.1; SPEC v2, Corrections): nothing was
/// stored. <see cref="CurrentVersion"/> is the stored version, when known.
/// </summary>
public sealed class PreconditionFailedException(int? currentVersion)
    : Exception(currentVersion is { } v
        ? $"The record is at version {v.ToString(System.Globalization.CultureInfo.InvariantCulture)}, not the one If-Match names: GET it again, check the change, and retry with its ETag."
        : "The record changed since the version If-Match names: GET it again, check the change, and retry with its ETag.")
{
    public int? CurrentVersion { get; } = currentVersion;
}
