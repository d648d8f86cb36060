using System.ComponentModel.DataAnnotations;

namespace KetamineOutcomes.Api.Security;

/// <summary>"Auth" section.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>The first admin key (environment <c>Auth__BootstrapAdminKey</c>); at least 32 characters. Never commit it.</summary>
    [MinLength(32, ErrorMessage = "Auth:BootstrapAdminKey must be at least 32 characters, e.g. export Auth__BootstrapAdminKey=$(openssl rand -hex 32)")]
    public string? BootstrapAdminKey { get; set; }
}

/// <summary>"RateLimiting" section: a token bucket per API key (per client address without a valid key).</summary>
public sealed class RateLimitingOptions
{
    public const string SectionName = "RateLimiting";

    [Range(1, 1_000_000)]
    public int PermitsPerSecond { get; set; } = 100;

    [Range(1, 10_000_000)]
    public int Burst { get; set; } = 200;
}
