using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Data.Infrastructure;

namespace KetamineOutcomes.Api.Endpoints;

/// <summary>Liveness (the process answers) and readiness (store reachable, every migration applied).</summary>
internal static class HealthEndpoints
{
    public sealed record HealthResponse(string Status, string? Detail);

    public static IEndpointRouteBuilder MapHealth(this IEndpointRouteBuilder app)
    {
        // Probes need no key and are never rate limited (load balancers poll them).
        var group = app.MapGroup("/health").WithTags("Health").AllowAnonymous().DisableRateLimiting();
        group.MapGet("/live", () => TypedResults.Ok(new HealthResponse("healthy", null)))
            .WithName("Live").WithSummary("The process is up")
            .WithDescription("Liveness probe: 200 while the process answers requests; it does not touch the store. No key, never rate limited.");
        group.MapGet("/ready", Ready).WithName("Ready").WithSummary("The store is reachable, takes writes, and every migration is applied")
            .WithDescription("Readiness probe: 200 `healthy` when the store answers, every migration is applied and writes can take the store's write lock; 503 otherwise, with a reason in detail: `unhealthy` (store unreachable, migrations pending) or `degraded` (writes cannot reach the store in time — a lock held elsewhere — so they answer 503 with Retry-After). Answers within about 2 s. No key, never rate limited.")
            .Produces<HealthResponse>().Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    /// <summary>The longest a readiness probe waits for the write lock (load balancers time probes out after a few seconds).</summary>
    private static readonly TimeSpan ProbeWait = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Readiness (SPEC v2 Security, continued): <c>degraded</c>/503 while writes cannot complete — the write lock cannot be
    /// taken within the probe's wait, or the latest write gave up for want of the store (a lock on one table, which
    /// the probe does not touch, shows up there) — so operators and load balancers see what callers get.
    /// </summary>
    internal static async Task<IResult> Ready(Database db, ILoggerFactory loggers, CancellationToken ct)
    {
        try
        {
            var pending = await MigrationRunner.PendingAsync(db, ct).ConfigureAwait(false);
            if (pending.Count > 0) return TypedResults.Json(new HealthResponse("unhealthy", $"{pending.Count} migration(s) not applied."), statusCode: 503);
            var wait = db.WriteTimeout < ProbeWait ? db.WriteTimeout : ProbeWait;
            if (!await db.CanWriteAsync(wait).WaitAsync(ct).ConfigureAwait(false))
                return Degraded(FormattableString.Invariant($"The store's write lock could not be taken within {wait.TotalSeconds:0.###} s (held elsewhere): writes answer 503 with Retry-After."));
            if (db.Writes.Failing)
                return Degraded(FormattableString.Invariant($"The latest write could not reach the store within {db.WriteTimeout.TotalSeconds:0.###} s: writes answer 503 with Retry-After."));
            return TypedResults.Ok(new HealthResponse("healthy", null));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            loggers.CreateLogger("Health").NotReady(e.GetType().Name);
            return TypedResults.Json(new HealthResponse("unhealthy", "The store is not reachable."), statusCode: 503);
        }
    }

    private static Microsoft.AspNetCore.Http.HttpResults.JsonHttpResult<HealthResponse> Degraded(string detail) =>
        TypedResults.Json(new HealthResponse("degraded", detail), statusCode: 503);
}
