using KetamineOutcomes.Api.Audit;
using KetamineOutcomes.Api.Contracts;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Api.ResponseWatch;
using KetamineOutcomes.Api.Security;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Data.Infrastructure;

namespace KetamineOutcomes.Api.Endpoints;

/// <summary>
/// <c>GET /response-watch</c> (SPEC v2, "Response durability"): the clinician's booster worklist beside the alert queue,
/// derived on every read from the live records of the site's patients (<see cref="WatchList"/>).
/// </summary>
internal static class ResponseWatchEndpoints
{
    public static RouteGroupBuilder MapResponseWatch(this RouteGroupBuilder api)
    {
        api.MapGet("/response-watch", List).WithTags("Response watch").WithName("ListResponseWatch").Audited()
            .WithSummary("Patients whose latest PHQ-9 or GAD-7 is a relapse or a loss of response, most urgent first; paged")
            .WithDescription("One item per patient and instrument (`instrument` narrows to one). Order: `relapse` before `loss-of-response`; then the " +
                "latest total as a share of baseline, highest first (`percentOfBaseline`); then the setback's completedAt, oldest first; then patient id " +
                "and instrument. `siteId` filters to one site; a site-bound key sees its own site only (another site's list is empty); an unbound key " +
                "without `siteId` sees every site. Entered-in-error records count nowhere, as on the trend.")
            .AllowRoles(Roles.Clinician)
            .Produces<ListResponse<ResponseWatchItem>>().ProducesValidationProblem();
        return api;
    }

    internal static async Task<ListResponse<ResponseWatchItem>> List(
        string? siteId, string? instrument, string? limit, string? cursor, Database db, HttpContext http, TimeProvider clock, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        var query = new ListQuery(http);
        var site = query.SiteId(siteId);
        var only = query.Enum<Instrument>(instrument, "instrument");
        var take = query.Limit(limit);
        WatchList.Listed? after = null;
        if (query.KeyedCursor(cursor) is { } k && (after = WatchList.PositionOf(k)) is null) query.Add("cursor", ListCursorBinding.Refusal);
        query.ThrowIfInvalid();
        site ??= caller.SiteId;
        // Another site's list is empty for a site-bound key, as the alert queue's is.
        if (!caller.CanSee(site)) return new ListResponse<ResponseWatchItem>([], null);
        var listed = await db.ReadAsync((c, t) => WatchList.ReadAsync(c, site, everySite: site is null, only, t), ct).ConfigureAwait(false);
        var page = WatchList.Page(listed, after, take, clock.GetUtcNow());
        AuditMiddleware.RecordPatients(http, page.Items.Select(i => i.PatientId).Distinct());
        return page with { NextCursor = query.Next(page.NextCursor) };
    }
}
