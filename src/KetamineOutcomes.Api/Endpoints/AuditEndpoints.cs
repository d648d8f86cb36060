using KetamineOutcomes.Api.Audit;
using KetamineOutcomes.Api.Contracts;
using KetamineOutcomes.Api.Corrections;
using KetamineOutcomes.Api.Errors;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Api.Security;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Endpoints;

internal static class AuditEndpoints
{
    public static RouteGroupBuilder MapAudit(this RouteGroupBuilder api)
    {
        // Reading the audit is itself audited (SPEC v2 "Security, continued"); its row is durable before the answer leaves.
        api.MapGet("/audit", ListAudit).WithTags("Audit").WithName("ListAuditEvents")
            .WithSummary("Audit trail, oldest first; filter by patient, inclusive time range, action, acting key and target")
            .AllowRoles(Roles.Admin).AuditedAdmin()
            .Produces<ListResponse<AuditEventResponse>>().ProducesValidationProblem();
        return api;
    }

    /// <summary>
    /// <c>GET /audit?patientId=&amp;from=&amp;to=&amp;action=&amp;keyId=&amp;targetId=&amp;limit=&amp;cursor=</c> (SPEC "HTTP surface";
    /// admin filters: issue 18). <c>action</c> is an audited operation name exactly (400 naming the field otherwise);
    /// <c>keyId</c> and <c>targetId</c> are UUIDs. A site-bound admin sees rows about its site's patients and admin
    /// rows about its site; another site's patient → 403.
    /// </summary>
    internal static async Task<ListResponse<AuditEventResponse>> ListAudit(
        string? patientId, string? from, string? to, string? action, string? keyId, string? targetId, string? limit, string? cursor,
        Database db, EndpointDataSource endpoints, System.Security.Claims.ClaimsPrincipal user, HttpContext http, CancellationToken ct)
    {
        var query = new ListQuery(http);
        var patient = query.Id(patientId, "patientId");
        var (f, tt) = (query.Instant(from, "from"), query.Instant(to, "to"));
        query.CheckRange(f, tt);
        if ((action = query.Once(action, "action")) is not null && AuditedActions(endpoints) is var known && !known.Contains(action))
            query.Add("action", $"Must be an audited operation name, exactly: {string.Join(", ", known)}.");
        var (actor, target) = (query.Id(keyId, "keyId"), query.Id(targetId, "targetId"));
        var take = query.Limit(limit);
        var after = query.Cursor(cursor);
        query.ThrowIfInvalid();
        // A site-bound admin reads only its site's rows (SPEC v2 Security, continued): another site's patient → 403.
        var site = Caller.From(user).SiteId;
        var page = await db.ReadAsync(async (c, t) =>
        {
            if (site is not null && patient is { } p && await PatientStore.SiteOfAsync(c, p, null, t).ConfigureAwait(false) is { } found && found.SiteId != site)
                throw new ForbiddenException("A site-bound admin reads only its own site's audit.");
            return await AuditStore.ListAsync(c, new AuditFilter(patient, f, tt, action, actor, target, site),
                after is null ? null : Keyset.Decode(after).Micros, take, t).ConfigureAwait(false);
        }, ct).ConfigureAwait(false);
        return new ListResponse<AuditEventResponse>(page.Items.Select(e => new AuditEventResponse(
            e.Seq, e.At, e.KeyId, e.Role, e.Action, e.PatientId, e.StatusCode, e.Outcome, e.RequestId,
            e.TargetType, e.TargetId, e.SiteId, e.ClientAddress, e.Count ?? 1,
            Actor.Parse(e.Actor) ?? (e.KeyId is { } key ? Actor.Key(key, e.KeyName) : null))).ToArray(), query.Next(page.NextCursor));
    }

    /// <summary>The operation names audit rows carry: every audited endpoint's, and the aggregated anonymous refusals'.</summary>
    private static SortedSet<string> AuditedActions(EndpointDataSource endpoints) =>
        new(endpoints.Endpoints
            .Where(e => e.Metadata.GetMetadata<AuditedMetadata>() is not null)
            .Select(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName)
            .OfType<string>()
            .Append(AnonymousRefusals.AggregateAction), StringComparer.Ordinal);
}
