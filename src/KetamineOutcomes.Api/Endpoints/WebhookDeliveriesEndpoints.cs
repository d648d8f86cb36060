using KetamineOutcomes.Api.Audit;
using KetamineOutcomes.Api.Contracts;
using KetamineOutcomes.Api.Errors;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Endpoints;

internal static class WebhookDeliveriesEndpoints
{
    private static readonly string[] Statuses = ["pending", "delivered", "failed"];

    public static RouteGroupBuilder MapWebhookDeliveries(this RouteGroupBuilder api)
    {
        // Every call is audited, a retry with the delivery as its target (SPEC v2 "Security, continued").
        var group = api.MapGroup("/webhook-deliveries").WithTags("Webhook deliveries").AllowRoles(Roles.Admin)
            .AuditedAdmin(AuditTargetTypes.WebhookDelivery);
        group.MapGet("/", ListDeliveries).WithName("ListWebhookDeliveries")
            .WithSummary("Webhook deliveries, e.g. ?status=failed for those that ran out of attempts")
            .Produces<ListResponse<WebhookDeliveryResponse>>().ProducesValidationProblem();
        group.MapPost("/{id:guid}/retry", Retry).WithName("RetryWebhookDelivery")
            .WithSummary("Put a failed delivery back in the queue with a fresh attempt budget")
            .Produces<WebhookDeliveryResponse>().ProducesProblem(404).ProducesProblem(409);
        return group;
    }

    // A site-bound admin sees and retries only deliveries about its own site's patients (SPEC v2 Security, continued):
    // another site's delivery is not found, so neither its alert traffic nor its receivers can be reached.
    internal static async Task<ListResponse<WebhookDeliveryResponse>> ListDeliveries(
        string? status, string? limit, string? cursor, Database db, System.Security.Claims.ClaimsPrincipal user, HttpContext http, CancellationToken ct)
    {
        var query = new ListQuery(http);
        if ((status = query.Once(status, "status")) is not null && !Statuses.Contains(status))
            query.Add("status", $"Must be one of: {string.Join(", ", Statuses)}.");
        var take = query.Limit(limit);
        var after = query.Cursor(cursor);
        query.ThrowIfInvalid();
        var page = await db.ReadAsync((c, t) => OutboxStore.ListAsync(c, status, after, take, t, Security.Caller.From(user).SiteId), ct).ConfigureAwait(false);
        return new ListResponse<WebhookDeliveryResponse>(page.Items.Select(ToResponse).ToArray(), query.Next(page.NextCursor));
    }

    internal static async Task<WebhookDeliveryResponse> Retry(Guid id, HttpContext http, Database db, TimeProvider clock, CancellationToken ct)
    {
        var site = Security.Caller.From(http.User).SiteId;
        var (before, deliverySite) = await db.ReadAsync(async (c, t) =>
            (await OutboxStore.ListByIdAsync(c, id, t, site).ConfigureAwait(false), await OutboxStore.SiteOfAsync(c, id, t).ConfigureAwait(false)), ct).ConfigureAwait(false);
        if (before is null) throw new ResourceNotFoundException("Webhook delivery");
        AuditMiddleware.RecordSite(http, deliverySite);
        if (before.Status != "failed") throw new StateConflictException("Not failed", $"Only failed deliveries can be retried; this one is {before.Status}.");
        var after = await db.WriteAsync(async (c, tx, t) =>
        {
            var now = DbTime.Normalize(clock.GetUtcNow());
            var retried = await OutboxStore.RetryAsync(c, tx, id, now, t).ConfigureAwait(false);
            // The retry and its audit row commit together (fail closed: never stored without its row, nor answered 503 after).
            if (retried is not null) await AuditMiddleware.RecordWrittenInUnitAsync(http, c, tx, now, StatusCodes.Status200OK, t).ConfigureAwait(false);
            return retried;
        }, ct).ConfigureAwait(false);
        return ToResponse(after!);
    }

    private static WebhookDeliveryResponse ToResponse(WebhookDelivery d) => new(
        d.Id, d.EventId, d.EndpointName, d.Status, d.Attempts, d.NextAttemptAt, d.LastError, d.DeliveredAt, d.CreatedAt, d.UpdatedAt);
}
