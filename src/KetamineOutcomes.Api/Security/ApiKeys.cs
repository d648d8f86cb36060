using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace KetamineOutcomes.Api.Security;

/// <summary>Key material: 256-bit random keys, stored only as SHA-256.</summary>
internal static class ApiKeys
{
    public const string HeaderName = "X-Api-Key";
    private const string Prefix = "ko_";

    /// <summary>A new key, e.g. <c>ko_3q2+…</c>: 32 random bytes, base64url.</summary>
    public static string Generate() => Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    /// <summary>
    /// SHA-256 of the whole key. A slow password hash is unnecessary: the keys are random with 256 bits of entropy,
    /// so the hash cannot be brute-forced, and a fast hash keeps per-request authentication cheap.
    /// </summary>
    public static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>How many characters of secret material a listing may show (issue 18): enough to tell keys apart, too few to help guess one.</summary>
    public const int ShownSecretCharacters = 4;

    /// <summary>
    /// The characters shown in listings so people can tell keys apart: our <c>ko_</c> marker and the first 4 secret
    /// characters of a generated key; the first 4 characters of any other key (the configured bootstrap key), fewer when
    /// it is short.
    /// </summary>
    public static string DisplayPrefix(string key) => key.StartsWith(Prefix, StringComparison.Ordinal)
        ? key[..Math.Min(key.Length, Prefix.Length + ShownSecretCharacters)]
        : key[..Math.Min(key.Length / 4, ShownSecretCharacters)];
}
