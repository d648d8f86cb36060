using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace KetamineOutcomes.Api.Security;

/// <summary>
/// <c>X-Api-Key</c> authentication. The key's hash is looked up among active keys on every request, so a revoked key
/// stops working at once on every instance; the stored and computed hashes are compared in constant time.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, Database db, IProblemDetailsService problems)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    private const int MaxKeyLength = 256;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var values = Request.Headers[ApiKeys.HeaderName];
        if (values.Count == 0 || string.IsNullOrEmpty(values[0])) return AuthenticateResult.NoResult();
        if (values.Count > 1 || values[0]!.Length > MaxKeyLength) return AuthenticateResult.Fail("Malformed API key.");

        var hash = ApiKeys.Hash(values[0]!);
        // An access decision, not an answer: it need not wait for the WAL flush of a key change still being written.
        var found = await db.ReadUnsettledAsync((c, t) => ApiKeyStore.FindActiveByHashAsync(c, hash, t), Context.RequestAborted).ConfigureAwait(false);
        if (found is not { } f || !CryptographicOperations.FixedTimeEquals(f.StoredHash, hash))
            return AuthenticateResult.Fail("Invalid or revoked API key.");

        var claims = new List<Claim>
        {
            new(Caller.KeyIdClaim, f.Key.Id.ToString()),
            new(ClaimTypes.Role, f.Key.Role),
            new(Caller.KeyNameClaim, f.Key.Name),
        };
        if (f.Key.SiteId is not null) claims.Add(new Claim(Caller.SiteIdClaim, f.Key.SiteId));
        if (f.Key.PatientId is { } patient) claims.Add(new Claim(Caller.PatientIdClaim, patient.ToString()));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName, ClaimTypes.Name, ClaimTypes.Role));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false);
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = $"{SchemeName} header=\"{ApiKeys.HeaderName}\"";
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails
            {
                Status = 401,
                Title = "Unauthorized",
                Detail = result.None ? $"Send an API key in the {ApiKeys.HeaderName} header." : "The API key is invalid or revoked.",
            },
        }).ConfigureAwait(false);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails { Status = 403, Title = "Forbidden", Detail = "This API key's role may not use this endpoint." },
        }).AsTask();
    }
}
