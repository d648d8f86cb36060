using KetamineOutcomes.Api.Contracts;
using KetamineOutcomes.Api.Infrastructure;
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
        string? patientId, string? from, string? to, string? limit, string? cursor, Database db, CancellationToken ct)
    {
        var query = new ListQuery();
        var patient = query.Id(patientId, "patientId");
        var (f, tt) = (query.Instant(from, "from"), query.Instant(to, "to"));
        query.CheckRange(f, tt);
        var take = query.Limit(limit);
        var after = query.Cursor(cursor);
        query.ThrowIfInvalid();
        var page = await db.ReadAsync((c, t) => AuditStore.ListAsync(c, patient, f, tt, after is null ? null : Keyset.Decode(after).Micros, take, t), ct).ConfigureAwait(false);
        return new ListResponse<AuditEventResponse>(page.Items.Select(e => new AuditEventResponse(
            e.Seq, e.At, e.KeyId, e.Role, e.Action, e.PatientId, e.StatusCode, e.Outcome, e.RequestId)).ToArray(), page.NextCursor);
    }
}
