using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace KetamineOutcomes.Api.Infrastructure;

/// <summary>
/// Binds a list's <c>nextCursor</c> to the request it was issued for. A cursor is a position (the last row's sort key);
/// read with another path or other filters it would start that other list part-way through and silently hide its first
/// rows — another patient's records, another status's alerts. So every /api/v1 list cursor is
/// <c>{binding}.{position}</c>, the binding being the first 96 bits of SHA-256 over the caller (the API key's id or the
/// signed-in person: a site-bound key's list without <c>siteId</c> is its own site's, so the same URL is another list
/// for another caller), the request's path (lower-cased: routing ignores case) and its query parameters other than
/// <c>cursor</c> and <c>limit</c> (names and values as sent, in ordinal order), base64url. A page size may change
/// between pages; nothing else may. Not a signature: it
/// binds a page to its query, the position is no secret (issue 24's break-it pass; the worklist's own cursor,
/// <c>Plans/WorklistCursor</c>, binds its site and status the same way).
/// </summary>
internal static class ListCursorBinding
{
    /// <summary>The refusal of a cursor that was not issued for this request (400 naming <c>cursor</c>).</summary>
    public const string Refusal =
        "Not a cursor this service issued for this list: send the nextCursor of the previous page of the same request (same caller, path and parameters; only limit may change), or none for the first page.";

    private const int BindingBytes = 12; // 16 base64url characters

    /// <summary>The binding of <paramref name="request"/>'s list for its authenticated caller: 16 base64url characters.</summary>
    public static string Of(HttpRequest request)
    {
        var caller = Security.Caller.ActorOf(request.HttpContext.User);
        var sb = new StringBuilder(caller is null ? "-" : $"{caller.Type.Length}:{caller.Type}:{caller.Id.Length}:{caller.Id}");
        sb.Append('\n').Append(request.Path.Value?.ToLowerInvariant());
        foreach (var (name, values) in request.Query.Where(p => p.Key is not ("cursor" or "limit")).OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            // Length-prefixed, so no choice of names and values can spell another query's text.
            foreach (var value in values)
                sb.Append('\n').Append(name.Length).Append(':').Append(name).Append('=').Append(value?.Length ?? 0).Append(':').Append(value);
        }
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString()), hash);
        return Base64Url.EncodeToString(hash[..BindingBytes]);
    }

    /// <summary><paramref name="position"/> bound to <paramref name="binding"/>; null stays null (the last page).</summary>
    public static string? Bind(string binding, string? position) => position is null ? null : $"{binding}.{position}";

    /// <summary>The position of a cursor issued for <paramref name="binding"/>, or null when it was issued for another request (or not by this service).</summary>
    public static string? Unbind(string binding, string cursor)
    {
        // base64url has no '.', so the first one ends the binding.
        var dot = cursor.IndexOf('.', StringComparison.Ordinal);
        return dot == binding.Length && cursor.AsSpan(0, dot).SequenceEqual(binding) && dot + 1 < cursor.Length ? cursor[(dot + 1)..] : null;
    }
}
