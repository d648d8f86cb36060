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
        group.MapGet("/ready", Ready).WithName("Ready").WithSummary("The store is reachable and every migration is applied")
            .WithDescription("Readiness probe: 200 when the store answers and every migration is applied; 503 (with a reason in detail) otherwise, so a load balancer routes no traffic to an instance ahead of its database. No key, never rate limited.")
            .Produces<HealthResponse>().Produces<HealthResponse>(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    internal static async Task<IResult> Ready(Database db, ILoggerFactory loggers, CancellationToken ct)
    {
        try
        {
            var pending = await MigrationRunner.PendingAsync(db, ct).ConfigureAwait(false);
            return pending.Count == 0
                ? TypedResults.Ok(new HealthResponse("healthy", null))
                : TypedResults.Json(new HealthResponse("unhealthy", $"{pending.Count} migration(s) not applied."), statusCode: 503);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            loggers.CreateLogger("Health").NotReady(e.GetType().Name);
            return TypedResults.Json(new HealthResponse("unhealthy", "The store is not reachable."), statusCode: 503);
        }
    }
}
