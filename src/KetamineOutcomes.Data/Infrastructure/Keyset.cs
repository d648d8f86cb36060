using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace KetamineOutcomes.Data.Infrastructure;

/// <summary>
/// Opaque list cursors: the sort key of the last row returned (an instant and/or an id), base64url-encoded.
/// Keyset pagination stays correct while rows are inserted and costs one index seek per page.
/// </summary>
public static class Keyset
{
    public static string Encode(long? micros, Guid id) =>
        Base64Url.EncodeToString(Encoding.ASCII.GetBytes($"{micros?.ToString(CultureInfo.InvariantCulture) ?? ""}|{id:N}"));

    /// <summary>
    /// A cursor whose sort key has a text part after the instant and the id (e.g. a rule id within a patient's items);
    /// <paramref name="key"/> must not contain '|'. Plain and keyed cursors are not interchangeable.
    /// </summary>
    public static string Encode(long micros, Guid id, string key) =>
        key.Contains('|', StringComparison.Ordinal) ? throw new ArgumentException("A cursor key must not contain '|'.", nameof(key))
            : Base64Url.EncodeToString(Encoding.ASCII.GetBytes($"{micros.ToString(CultureInfo.InvariantCulture)}|{id:N}|{key}"));

    /// <summary>Decodes a keyed cursor; throws <see cref="FormatException"/> on anything this service did not issue as one.</summary>
    public static (long Micros, Guid Id, string Key) DecodeKeyed(string cursor)
    {
        try
        {
            var text = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(cursor));
            var parts = text.Split('|');
            if (parts.Length != 3 || parts[2].Length == 0) throw new FormatException("Malformed cursor.");
            return (long.Parse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture), Guid.ParseExact(parts[1], "N"), parts[2]);
        }
        catch (Exception e) when (e is not FormatException)
        {
            throw new FormatException("Malformed cursor.", e);
        }
    }

    /// <summary>Decodes a cursor; throws <see cref="FormatException"/> on anything this service did not issue.</summary>
    public static (long? Micros, Guid Id) Decode(string cursor)
    {
        try
        {
            var text = Encoding.ASCII.GetString(Base64Url.DecodeFromChars(cursor));
            var parts = text.Split('|');
            if (parts.Length != 2) throw new FormatException("Malformed cursor.");
            long? micros = parts[0].Length == 0 ? null : long.Parse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            return (micros, Guid.ParseExact(parts[1], "N"));
        }
        catch (Exception e) when (e is not FormatException)
        {
            throw new FormatException("Malformed cursor.", e);
        }
    }
}
