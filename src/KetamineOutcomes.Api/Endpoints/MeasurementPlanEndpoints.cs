using System.Security.Claims;
using KetamineOutcomes.Api.Audit;
using KetamineOutcomes.Api.Contracts;
using KetamineOutcomes.Api.Corrections;
using KetamineOutcomes.Api.Errors;
using KetamineOutcomes.Api.Idempotency;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Api.OpenApi;
using KetamineOutcomes.Api.Plans;
using KetamineOutcomes.Api.Security;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Plans;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Endpoints;

/// <summary>
/// A site's measurement plan (SPEC v2, Measurement plans: clinician to read, admin to change, versioned, a change
/// applies from then on — see <see cref="PlanHistory"/> for what "from then on" means here). Versions are append-only
/// (migration 0016); a change names the version it replaces in If-Match, so two admins never overwrite each other.
/// </summary>
internal static class MeasurementPlanEndpoints
{
    public static RouteGroupBuilder MapMeasurementPlans(this RouteGroupBuilder api)
    {
        api.MapGet("/sites/{siteId}/measurement-plan", GetPlan).WithTags("Measurement plans").WithName("GetMeasurementPlan")
            .WithSummary("The site's current measurement plan (version 0, default true: the default plan); ETag W/\"version\"")
            .WithDescription("A site-bound key reads only its own site's plan (403).")
            .AllowRoles(Roles.Clinician, Roles.Admin)
            .Produces<MeasurementPlanResponse>().ProducesValidationProblem().ProducesProblem(403);
        api.MapPut("/sites/{siteId}/measurement-plan", PutPlan).WithTags("Measurement plans").WithName("PutMeasurementPlan").AuditedAdmin().AuditSite("siteId")
            .WithSummary("Store the site's next plan version; it governs patients registered and infusions given from now on, and interval occurrences due from now on")
            .WithDescription("If-Match names the version replaced, as GET sent it (W/\"0\" while the site has the default plan): missing → 428, " +
                "no longer current → 412. A site-bound admin changes only its own site's plan (403). Every rule is checked; each bad field is " +
                "named (`rules[2].everyDays`), all in one 400. Anchored occurrences follow the version in force at their anchor (registration, the infusion), " +
                "interval ones the version in force at their dueAt. Honours Idempotency-Key (If-Match is part of the request).")
            .AllowRoles(Roles.Admin).WithIfMatch(required: true)
            .Accepts<PutMeasurementPlanRequest>("application/json")
            .Produces<MeasurementPlanResponse>().ProducesValidationProblem().ProducesProblem(403).ProducesProblem(412).ProducesProblem(428);
        return api;
    }

    internal static async Task<MeasurementPlanResponse> GetPlan(string siteId, HttpContext http, Database db, CancellationToken ct)
    {
        var site = VisibleSite(siteId, Caller.From(http.User));
        var versions = await db.ReadAsync((c, t) => MeasurementPlanStore.VersionsAsync(c, site, t), ct).ConfigureAwait(false);
        var response = versions.Count == 0 ? DefaultOf(site) : ToResponse(versions[^1]);
        Preconditions.SetETag(http, response.Version);
        return response;
    }

    /// <summary>
    /// Stores the next version. The body is read whole by <see cref="PlanDocument"/> (every bad field named in one
    /// 400); Idempotency-Key is honoured as on the amending PUTs (<see cref="IdempotentCreate.RunCorrectionAsync{T}"/>:
    /// the replay answers the first 200 and its ETag; If-Match is part of the request).
    /// </summary>
    internal static async Task<IResult> PutPlan(
        string siteId, HttpContext http, IdempotentCreate idempotent, Database db, TimeProvider clock, CancellationToken ct)
    {
        var caller = Caller.From(http.User);
        var site = VisibleSite(siteId, caller);
        var expected = Preconditions.ExpectedVersion(http.Request, required: true, lowest: 0)!.Value; // the default plan is version 0
        using var body = await PlanDocument.ParseAsync(http.Request, ct).ConfigureAwait(false);
        var rules = PlanDocument.Read(body.RootElement);
        var actor = Actor.Of(caller);
        // The rules as parsed are the request for Idempotency-Key: formatting, key order and session order do not make another.
        var request = new PutMeasurementPlanRequest([.. rules.Select(PlanRuleDraft.Of)]);
        return await idempotent.RunCorrectionAsync(http, request, async (c, tx, t) =>
        {
            var versions = await MeasurementPlanStore.VersionsAsync(c, site, t, tx).ConfigureAwait(false);
            var current = versions.Count == 0 ? 0 : versions[^1].Version;
            if (current != expected) throw new PreconditionFailedException(current);
            // A version never applies from before its predecessor, even if this instance's clock is behind the last writer's.
            var now = DbTime.Normalize(clock.GetUtcNow());
            var at = versions.Count > 0 && versions[^1].CreatedAt > now ? versions[^1].CreatedAt : now;
            var record = new MeasurementPlanRecord(site, current + 1, at, actor.ToJson(), SitePlans.RulesJson(rules));
            // Lost a race on PostgreSQL: another change took this version number first.
            if (!await MeasurementPlanStore.AppendAsync(c, tx, db.Connections, record, t).ConfigureAwait(false)) throw new PreconditionFailedException(null);
            return (ToResponse(record), record.Version);
        }, ct).ConfigureAwait(false);
    }

    /// <summary>The path's site, if valid (400 naming siteId) and the caller's (a site-bound key: only its own, 403).</summary>
    private static string VisibleSite(string siteId, Caller caller)
    {
        var errors = new ValidationErrors();
        FieldRules.Identifier(siteId, "siteId", errors);
        errors.ThrowIfAny();
        if (!caller.CanSee(siteId)) throw new ForbiddenException($"This API key is bound to site {caller.SiteId}: it reads and changes only that site's measurement plan.");
        return siteId;
    }

    private static MeasurementPlanResponse DefaultOf(string site) =>
        new(site, 0, true, MeasurementPlan.Default.Rules.Select(PlanRuleDraft.Of).ToArray(), null, null);

    private static MeasurementPlanResponse ToResponse(MeasurementPlanRecord stored) =>
        new(stored.SiteId, stored.Version, false, SitePlans.PlanOf(stored).Rules.Select(PlanRuleDraft.Of).ToArray(), stored.CreatedAt, Actor.Parse(stored.ChangedBy));
}
