using System.Globalization;
using KetamineOutcomes.Api.Errors;
using KetamineOutcomes.Core;

namespace KetamineOutcomes.Api.Corrections;

/// <summary>
/// ETags and If-Match for corrected records (SPEC v2, Corrections; RFC 9110 §8.8.3, §13.1.1). A record's ETag is its
/// version, weak: <c>W/"3"</c>. If-Match takes one such value, weak or strong (<c>"3"</c>): a correction replaces the
/// version the caller read, so the version number is all that is compared.
/// </summary>
internal static class Preconditions
{
    public const string IfMatchHeader = "If-Match";

    public static string ETagOf(int version) => string.Create(CultureInfo.InvariantCulture, $"W/\"{version}\"");

    /// <summary>Sends the record's ETag with the answer.</summary>
    public static void SetETag(HttpContext http, int version) => http.Response.Headers.ETag = ETagOf(version);

    /// <summary>
    /// The version If-Match names. Missing: 428 when <paramref name="required"/>, else null. A list, <c>*</c>, or anything
    /// that is not one entity-tag (<c>W/"…"</c> or <c>"…"</c>, RFC 9110 §8.8.3): 400 naming If-Match (which version was
    /// meant is not certain). A well-formed entity-tag this service never sends (<c>W/"0"</c> for a record, <c>"01"</c>,
    /// <c>"abc"</c>, a number past any version) matches no version: <see cref="NoVersion"/>, which the write answers 412 like
    /// a stale one (RFC 9110 §13.1.1). Records start at version 1; a site's default measurement plan is version 0.
    /// </summary>
    public static int? ExpectedVersion(HttpRequest request, bool required, int lowest = 1)
    {
        var sent = request.Headers[IfMatchHeader];
        if (sent.Count == 0) return required ? throw new PreconditionRequiredException() : null;
        const string Expected = "Must be one ETag of the record, as its GET sent it, e.g. W/\"1\" (or \"1\"); not a list, not *.";
        if (sent.Count > 1) throw ClinicalValidationException.For(IfMatchHeader, Expected);
        var value = sent[0]!.Trim();
        if (value.StartsWith("W/", StringComparison.Ordinal)) value = value[2..];
        if (value.Length < 2 || value[0] != '"' || value[^1] != '"') throw ClinicalValidationException.For(IfMatchHeader, Expected);
        var opaque = value[1..^1];
        // etagc = %x21 / %x23-7E (obs-text is refused too): a quote or a comma inside means a list or a typo, not one tag.
        if (opaque.Any(ch => ch is < '!' or '"' or > '~' or ',')) throw ClinicalValidationException.For(IfMatchHeader, Expected);
        var canonical = opaque.Length is > 0 and <= 9 && opaque.All(char.IsAsciiDigit) && (opaque.Length == 1 || opaque[0] != '0');
        return canonical && int.Parse(opaque, CultureInfo.InvariantCulture) is var version && version >= lowest ? version : NoVersion;
    }

    /// <summary>What a well-formed If-Match that names no version of ours stands for: it never equals a version.</summary>
    public const int NoVersion = -1;
}
