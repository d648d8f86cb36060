namespace KetamineOutcomes.Core.Notifications;

/// <summary>
/// A webhook receiver's URL as it may be stored and shown (issue 18): scheme, host, port and path only. User-info, query
/// and fragment are dropped, since receivers often carry a token there; the full URL stays in configuration.
/// </summary>
public static class ReceiverUrl
{
    /// <summary>
    /// E.g. <c>https://user:pw@ehr.example.org:8443/hook?token=x#y</c> → <c>https://ehr.example.org:8443/hook</c>
    /// (host lower-cased, default port and dot segments dropped, as <see cref="Uri"/> normalises them).
    /// </summary>
    public static string Redact(Uri url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!url.IsAbsoluteUri) throw new ArgumentException("An absolute URL is required.", nameof(url));
        return url.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped);
    }

    /// <summary>True when <paramref name="text"/> is an absolute URL holding user-info, a query or a fragment.</summary>
    public static bool CarriesSecrets(string? text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var url)
        && (url.UserInfo.Length > 0 || url.Query.Length > 0 || url.Fragment.Length > 0);
}
