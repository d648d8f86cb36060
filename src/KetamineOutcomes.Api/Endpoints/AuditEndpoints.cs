using KetamineOutcomes.Api.Contracts;
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
        api.MapGet("/audit", ListAudit).WithTags("Audit").WithName("ListAuditEvents")
            .WithSummary("Audit trail, oldest first; filter by patient and inclusive time range")
            .AllowRoles(Roles.Admin)
            .Produces<ListResponse<AuditEventResponse>>().ProducesValidationProblem();
        return api;
    }

    internal static async Task<ListResponse<AuditEventResponse>> ListAudit(
        string? patientId, string? from, string? to, string? limit, string? cursor, Database db, System.Security.Claims.ClaimsPrincipal user, CancellationToken ct)
    {
        var query = new ListQuery();
        var patient = query.Id(patientId, "patientId");
        var (f, tt) = (query.Instant(from, "from"), query.Instant(to, "to"));
        query.CheckRange(f, tt);
        var take = query.Limit(limit);
        var after = query.Cursor(cursor);
        query.ThrowIfInvalid();
        // A site-bound admin reads only its site's patients' rows (SPEC v2 Security, continued): another site's patient → 403.
        var site = Caller.From(user).SiteId;
        var page = await db.ReadAsync(async (c, t) =>
        {
            if (site is not null && patient is { } p && await PatientStore.SiteOfAsync(c, p, null, t).ConfigureAwait(false) is { } found && found.SiteId != site)
                throw new ForbiddenException("A site-bound admin reads only its own site's audit.");
            return await AuditStore.ListAsync(c, patient, f, tt, after is null ? null : Keyset.Decode(after).Micros, take, t, site).ConfigureAwait(false);
        }, ct).ConfigureAwait(false);
        return new ListResponse<AuditEventResponse>(page.Items.Select(e => new AuditEventResponse(
            e.Seq, e.At, e.KeyId, e.Role, e.Action, e.PatientId, e.StatusCode, e.Outcome, e.RequestId)).ToArray(), page.NextCursor);
    }
}
