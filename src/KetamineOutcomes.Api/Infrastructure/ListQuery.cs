using System.Globalization;
using KetamineOutcomes.Core;
using KetamineOutcomes.Data.Infrastructure;

namespace KetamineOutcomes.Api.Infrastructure;

/// <summary>
/// Parses list query strings (<c>limit</c>, <c>cursor</c>, <c>from</c>, <c>to</c>, enum filters, booleans) into typed values with
/// field-named 400s. Bound as strings so that a bad value never reaches the framework's unnamed binding error.
/// Every parameter is read once: given twice (<c>?siteId=a&amp;siteId=b</c>, which binds as "a,b") it is refused as
/// repeated, not judged as a value (<see cref="Once"/>).
/// </summary>
internal sealed class ListQuery(HttpContext http)
{
    public const int DefaultLimit = 50, MaxLimit = 500;

    private readonly ValidationErrors _errors = new();
    private readonly IQueryCollection _query = http.Request.Query;

    /// <summary>
    /// <paramref name="raw"/> when <paramref name="field"/> was given at most once; null with a 400 "Given n times…" when
    /// repeated (the framework joins repeated values with commas, which would otherwise be judged as one bad value).
    /// Every reader below starts here; endpoints that read a parameter themselves call it too.
    /// </summary>
    public string? Once(string? raw, string field)
    {
        if (raw is null || !_query.TryGetValue(field, out var values) || values.Count <= 1) return raw;
        _errors.Add(field, $"Given {values.Count} times: give {field} once.");
        return null;
    }

    public int Limit(string? raw) => Int(raw, "limit", 1, MaxLimit) ?? DefaultLimit;

    /// <summary>An optional whole number within [min, max].</summary>
    /// <remarks>Digits only, without leading zeros ("010" is refused as "+10", "1e1" and "10 " are).</remarks>
    public int? Int(string? raw, string field, int min, int max)
    {
        if ((raw = Once(raw, field)) is null) return null;
        if (raw is not ['0', _, ..] && int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max) return v;
        _errors.Add(field, $"Must be an integer from {min} to {max}, digits only without leading zeros.");
        return null;
    }

    /// <summary>An optional boolean: exactly <c>true</c> or <c>false</c> (no 1/0, yes/no or other case: SPEC v2 Boundaries).</summary>
    public bool? Bool(string? raw, string field)
    {
        switch (Once(raw, field))
        {
            case null: return null;
            case "true": return true;
            case "false": return false;
            default:
                _errors.Add(field, "Must be true or false.");
                return null;
        }
    }

    /// <summary>
    /// <c>includeEnteredInError</c> of the record lists (SPEC v2, Corrections): entered-in-error records are hidden
    /// unless it is <c>true</c>.
    /// </summary>
    public bool IncludeEnteredInError(string? raw) => Bool(raw, IncludeEnteredInErrorParameter) ?? false;

    public const string IncludeEnteredInErrorParameter = "includeEnteredInError";

    /// <summary>The parameter's description in the OpenAPI document.</summary>
    public const string IncludeEnteredInErrorDescription =
        "true to list entered-in-error records too (each shows status entered-in-error); false or absent hides them. Exactly true or false.";

    /// <summary>
    /// The position of a list cursor (<see cref="Keyset.Decode"/>) issued for this request (<see cref="ListCursorBinding"/>),
    /// for the store; null when absent, or with a 400 naming <c>cursor</c> when issued for another request or not by us.
    /// </summary>
    public string? Cursor(string? raw)
    {
        if ((raw = BoundPosition(raw)) is null) return null;
        try
        {
            Keyset.Decode(raw);
            return raw;
        }
        catch (FormatException)
        {
            _errors.Add("cursor", ListCursorBinding.Refusal);
            return null;
        }
    }

    /// <summary>A keyed cursor (<see cref="Keyset.DecodeKeyed"/>: instant, id and a text key) issued for this request, as <see cref="Cursor"/>.</summary>
    public (long Micros, Guid Id, string Key)? KeyedCursor(string? raw)
    {
        if ((raw = BoundPosition(raw)) is null) return null;
        try
        {
            return Keyset.DecodeKeyed(raw);
        }
        catch (FormatException)
        {
            _errors.Add("cursor", ListCursorBinding.Refusal);
            return null;
        }
    }

    /// <summary>The <c>nextCursor</c> to answer for a store's next position (null on the last page), bound to this request.</summary>
    public string? Next(string? position) => ListCursorBinding.Bind(Binding, position);

    private string Binding => _binding ??= ListCursorBinding.Of(http.Request);
    private string? _binding;

    private string? BoundPosition(string? raw)
    {
        if ((raw = Once(raw, "cursor")) is null) return null;
        if (ListCursorBinding.Unbind(Binding, raw) is { } position) return position;
        _errors.Add("cursor", ListCursorBinding.Refusal);
        return null;
    }

    public DateTimeOffset? Instant(string? raw, string field)
    {
        if ((raw = Once(raw, field)) is null) return null;
        var reading = Rfc3339DateTimeOffsetConverter.Parse(raw, out var v);
        if (reading == Rfc3339DateTimeOffsetConverter.Reading.Valid) return v;
        // An unencoded '+' arrives as a space; reading it back as the sign would be a guess (the space may be anything).
        _errors.Add(field, reading == Rfc3339DateTimeOffsetConverter.Reading.NotRfc3339 && raw.Contains(' ', StringComparison.Ordinal)
            ? $"Must be {Rfc3339DateTimeOffsetConverter.Expected}; a space is not an offset sign: encode '+' as %2B."
            : Rfc3339DateTimeOffsetConverter.Refusal(reading));
        return null;
    }

    public Guid? Id(string? raw, string field)
    {
        if ((raw = Once(raw, field)) is null) return null;
        if (Guid.TryParse(raw, out var id)) return id;
        _errors.Add(field, "Must be a UUID, e.g. 0192f0c4-5b1e-7000-8000-000000000000.");
        return null;
    }

    /// <summary>An optional enum by its exact wire name (no list, integer, other case or padding: SPEC v2 Boundaries).</summary>
    /// <param name="alsoAccepted">Names the caller reads itself (e.g. "all"), listed in the refusal after the wire names.</param>
    public T? Enum<T>(string? raw, string field, params string[] alsoAccepted) where T : struct, System.Enum
    {
        if ((raw = Once(raw, field)) is null) return null;
        if (WireNames.TryParse<T>(raw, out var v)) return v;
        _errors.Add(field, $"Must be one of: {string.Join(", ", WireNames.All<T>().Concat(alsoAccepted))}.");
        return null;
    }

    public T RequiredEnum<T>(string? raw, string field) where T : struct, System.Enum
    {
        if (raw is null)
        {
            _errors.Add(field, $"Required. {WireNames.MustBeOneOf<T>()}");
            return default;
        }
        return Enum<T>(raw, field) ?? default;
    }

    public void CheckRange(DateTimeOffset? from, DateTimeOffset? to)
    {
        if (from is { } f && to is { } t && f > t) _errors.Add("from", "Must not be after 'to'.");
    }

    /// <summary>A site identifier filter, read by the same rule as a body's <c>siteId</c> (<see cref="FieldRules.Identifier"/>).</summary>
    public string? SiteId(string? raw, string field = "siteId") => Once(raw, field) is { } once ? FieldRules.Identifier(once, field, _errors) : null;

    /// <summary>An identifier-text filter (e.g. <c>mrn</c>) in its compared form, NFC (<see cref="FieldRules.IdentifierText"/>).</summary>
    public string? IdentifierText(string? raw, string field, int maxLength) =>
        Once(raw, field) is { } once ? FieldRules.IdentifierText(once, field, maxLength, _errors) : null;

    public void Add(string field, string message) => _errors.Add(field, message);

    public void ThrowIfInvalid() => _errors.ThrowIfAny();
}
