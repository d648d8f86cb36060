using System.Security.Cryptography;
using System.Text.Encodings.Web;
using KetamineOutcomes.Api.Corrections;
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
        if (Credentials.Both(Context)) return AuthenticateResult.Fail(Credentials.BothMessage);
        var values = Request.Headers[ApiKeys.HeaderName];
        if (values.Count == 0 || string.IsNullOrEmpty(values[0])) return AuthenticateResult.NoResult();
        if (values.Count > 1 || values[0]!.Length > MaxKeyLength) return AuthenticateResult.Fail("Malformed API key.");

        var hash = ApiKeys.Hash(values[0]!);
        // An access decision, not an answer: it need not wait for the WAL flush of a key change still being written.
        var found = await db.ReadUnsettledAsync((c, t) => ApiKeyStore.FindActiveByHashAsync(c, hash, t), Context.RequestAborted).ConfigureAwait(false);
        if (found is not { } f || !CryptographicOperations.FixedTimeEquals(f.StoredHash, hash))
            return AuthenticateResult.Fail("Invalid or revoked API key.");

        var principal = Caller.Principal(Actor.Key(f.Key.Id, f.Key.Name), f.Key.Role, f.Key.SiteId, f.Key.PatientId, SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync().ConfigureAwait(false);
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        var keyChallenge = $"{SchemeName} header=\"{ApiKeys.HeaderName}\"";
        Response.Headers.WWWAuthenticate = Context.RequestServices.GetRequiredService<IOptions<OidcOptions>>().Value.Enabled
            ? new Microsoft.Extensions.Primitives.StringValues([keyChallenge, OidcAuthentication.SchemeName])
            : keyChallenge;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails
            {
                Status = 401,
                Title = "Unauthorized",
                Detail = result.None ? Unauthenticated(Context)
                    : result.Failure?.Message == Credentials.BothMessage ? Credentials.BothMessage : "The API key is invalid or revoked.",
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

    private static string Unauthenticated(HttpContext http) =>
        http.RequestServices.GetRequiredService<IOptions<OidcOptions>>().Value.Enabled
            ? $"Send an API key in the {ApiKeys.HeaderName} header or a bearer token in the Authorization header."
            : $"Send an API key in the {ApiKeys.HeaderName} header.";
}
