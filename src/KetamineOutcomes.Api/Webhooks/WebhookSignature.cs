using System.Security.Cryptography;
using System.Text;

namespace KetamineOutcomes.Api.Webhooks;

/// <summary><c>X-Signature: sha256=&lt;hex HMAC-SHA256 of the raw body&gt;</c>, and its check as a receiver should do it.</summary>
public static class WebhookSignature
{
    public const string HeaderName = "X-Signature";

    public static string Sign(string secret, ReadOnlySpan<byte> body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body));

    /// <summary>Constant-time verification of a received signature header.</summary>
    public static bool Verify(string secret, ReadOnlySpan<byte> body, string? header) =>
        header is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Sign(secret, body)), Encoding.ASCII.GetBytes(header));
}
