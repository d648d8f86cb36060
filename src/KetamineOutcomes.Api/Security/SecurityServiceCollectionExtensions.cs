using System.Globalization;
using System.Threading.RateLimiting;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace KetamineOutcomes.Api.Security;

internal static class SecurityServiceCollectionExtensions
{
    public static IServiceCollection AddOutcomesSecurity(this IServiceCollection services)
    {
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName).ValidateSettings(AuthOptions.SectionName);
        services.AddOptions<RateLimitingOptions>().BindConfiguration(RateLimitingOptions.SectionName).ValidateSettings(RateLimitingOptions.SectionName);

        services.AddOptions<OidcOptions>().BindConfiguration(OidcOptions.SectionName).ValidateSettings(OidcOptions.SectionName);

        // One default scheme that hands each request to the handler of the credential it carries (API key or bearer
        // token), so authorization, challenges (401) and refusals (403) need no scheme names of their own.
        services.AddAuthentication(Credentials.SchemeName)
            .AddPolicyScheme(Credentials.SchemeName, null, o => o.ForwardDefaultSelector = Credentials.SchemeFor)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddOidcBearer();
        services.AddSingleton<IAuthorizationHandler, SmartScopeHandler>();
        services.AddAuthorization(o =>
        {
            o.AddPolicy(SmartScopeAuthorization.PolicyName, p => p.AddRequirements(new SmartScopeRequirement()));
            // Secure by default: an endpoint that forgot to declare its roles is refused to everyone. Requests that
            // match no endpoint, or only routing's own 405/415 rejection endpoints, pass so they keep their status.
            o.FallbackPolicy = new AuthorizationPolicyBuilder()
                .RequireAssertion(ctx => ctx.Resource is HttpContext http && IsRoutingRejection(http.GetEndpoint()))
                .Build();
        });

        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<RateLimitingOptions>>((o, limits) =>
        {
            var (permits, burst) = (limits.Value.PermitsPerSecond, limits.Value.Burst);
            // One token bucket per caller (API key or signed-in person); requests without a valid credential share
            // one per client address.
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(http =>
                RateLimitPartition.GetTokenBucketLimiter(
                    Caller.ActorOf(http.User) is { } actor ? actor.Type + ":" + actor.Id : "ip:" + http.Connection.RemoteIpAddress,
                    _ => new TokenBucketRateLimiterOptions
                    {
                        TokenLimit = burst,
                        TokensPerPeriod = permits,
                        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                        QueueLimit = 0,
                        AutoReplenishment = true,
                    }));
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.OnRejected = async (context, ct) =>
            {
                var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
                var http = context.HttpContext;
                http.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails = new ProblemDetails { Status = 429, Title = "Too many requests", Detail = "This caller's request rate is over its limit; retry after the Retry-After seconds." },
                }).ConfigureAwait(false);
            };
        });

        services.AddHostedService<BootstrapAdminKeySync>();
        return services;
    }

    // Routing answers a wrong method or content type with endpoints of its own that only set 405 or 415.
    private static bool IsRoutingRejection(Endpoint? endpoint) =>
        endpoint is null
        || endpoint.DisplayName is "405 HTTP Method Not Supported" or "415 HTTP Unsupported Media Type";
}

/// <summary>
/// Makes <c>Auth:BootstrapAdminKey</c> a working admin key (after migrations, before requests). When no active admin key
/// is left at all — none configured and no named one in the store — says so in one line with the command to set one;
/// an installation with named admin keys needs no bootstrap key and gets no hint.
/// </summary>
internal sealed class BootstrapAdminKeySync(Database db, IOptions<AuthOptions> auth, TimeProvider clock, ILogger<BootstrapAdminKeySync> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var key = auth.Value.BootstrapAdminKey;
        var hash = string.IsNullOrEmpty(key) ? null : ApiKeys.Hash(key);
        var (state, anyAdmin) = await db.WriteAsync(async (c, tx, ct) =>
        {
            var synced = await ApiKeyStore.SyncBootstrapAsync(c, tx, hash, key is null ? null : ApiKeys.DisplayPrefix(key), DbTime.Normalize(clock.GetUtcNow()), ct).ConfigureAwait(false);
            return (synced, await ApiKeyStore.AnyActiveAdminAsync(c, tx, ct).ConfigureAwait(false));
        }, cancellationToken).ConfigureAwait(false);
        if (state == BootstrapKeyState.RevokedThroughApi) logger.BootstrapKeyRevoked();
        else if (!anyAdmin) logger.NoAdminKey();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
