using System.Data.Common;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using KetamineOutcomes.Api.Errors;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Api.Security;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Audit;

/// <summary>Marks an endpoint whose every call (allowed or refused) is written to the audit trail.</summary>
/// <param name="Admin">
/// An admin action (SPEC v2 "Security, continued"): its rows name no patient but a target and the site the action
/// concerned; <paramref name="RouteTargetType"/> says what the route's <c>{id}</c> names (null: the handler names the
/// target, if any).
/// </param>
public sealed record AuditedMetadata(bool Admin = false, string? RouteTargetType = null);

/// <summary>
/// A patient-data endpoint acting on one record (a correction, a record's history): its audit rows name the record as
/// target (<paramref name="Type"/>: <c>questionnaire</c>, <c>suicidality-checkin</c>, <c>infusion</c>, <c>patient</c>, as in
/// the record's history), its id read from the route value <paramref name="RouteValue"/>.
/// </summary>
public sealed record AuditTargetMetadata(string Type, string RouteValue);

/// <summary>
/// An admin endpoint acting on the site its route value <paramref name="RouteValue"/> names: every row of it, done or
/// refused (400, 403, 412, 428), names that site when it is a valid site identifier, so the site's audit shows every
/// attempt on it, also another site's admin's refused one.
/// </summary>
public sealed record AuditSiteMetadata(string RouteValue);

/// <summary>An audited endpoint whose answer is streamed (too large to hold until the audit row is on disk).</summary>
public sealed class StreamedAnswerMetadata;

internal static class AuditedEndpointExtensions
{
    /// <summary>Every call of these endpoints reads or writes patient data: audit it.</summary>
    public static TBuilder Audited<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AuditedMetadata());

    /// <summary>Rows of this endpoint name the record the route's <paramref name="routeValue"/> identifies.</summary>
    public static TBuilder AuditTarget<TBuilder>(this TBuilder builder, string type, string routeValue) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AuditTargetMetadata(type, routeValue));

    /// <summary>Rows of this admin endpoint name the site the route's <paramref name="routeValue"/> names, on every outcome.</summary>
    public static TBuilder AuditSite<TBuilder>(this TBuilder builder, string routeValue) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AuditSiteMetadata(routeValue));

    /// <summary>Admin actions are audited too (SPEC v2 "Security, continued"); <paramref name="routeTargetType"/>: what <c>{id}</c> names.</summary>
    public static TBuilder AuditedAdmin<TBuilder>(this TBuilder builder, string? routeTargetType = null) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AuditedMetadata(Admin: true, routeTargetType));
}

/// <summary>The <c>target_type</c> values of admin rows.</summary>
internal static class AuditTargetTypes
{
    public const string ApiKey = "api-key", WebhookDelivery = "webhook-delivery";
}

/// <summary>
/// Appends one audit row per patient touched by a call to an audited endpoint: key id, role, action (the operation
/// name), patient, time, outcome, request id; an admin action's row names its target and site instead of a patient.
/// Runs after authentication and around authorization, so refused attempts are recorded too; refusals of calls
/// without a valid key also carry the client address and are capped per address (<see cref="AnonymousRefusals"/>).
/// </summary>
internal sealed class AuditMiddleware(RequestDelegate next)
{
    private const string PatientIdsKey = "audit.patientIds", TargetKey = "audit.target", SiteKey = "audit.site";

    /// <summary>For calls whose patients are not in the route (lists, creation): the handler names them.</summary>
    public static void RecordPatients(HttpContext http, IEnumerable<Guid> patientIds) =>
        http.Items[PatientIdsKey] = patientIds.Select(id => (Guid?)id).ToArray();

    /// <summary>For an admin action whose target is not in the route (creation): the handler names it.</summary>
    public static void RecordTarget(HttpContext http, string type, Guid id) => http.Items[TargetKey] = new Target(type, id);

    /// <summary>
    /// The site an admin action concerns (the key's or delivery's site; null: none), once the handler knows it; until
    /// then it is the calling key's site, so a site-bound admin sees its own lists and its own refused attempts.
    /// </summary>
    public static void RecordSite(HttpContext http, string? siteId) => http.Items[SiteKey] = new NamedSite(siteId);

    private sealed record Target(string Type, Guid Id);

    private sealed record NamedSite(string? SiteId);

    public async Task InvokeAsync(
        HttpContext http, Database db, TimeProvider clock, AnonymousRefusals anonymous, IOptions<AuditOptions> audit, ILogger<AuditMiddleware> logger)
    {
        var endpoint = http.GetEndpoint();
        if (endpoint?.Metadata.GetMetadata<AuditedMetadata>() is null)
        {
            await next(http).ConfigureAwait(false);
            return;
        }
        // The answer is held whole until its audit row is on disk: no patient data leaves without a durable record of
        // who asked, and — the audit row being appended after the handler's reads — that one flush also covers every
        // write those reads could have seen, so the reads need not wait for a flush of their own. Streamed answers
        // (the research export) cannot be held; their row is written before their first byte instead. With
        // Audit:ReadDurability=deferred a read's row is handed to the store's writer instead of waited for (below).
        var original = http.Response.Body;
        var streamed = endpoint.Metadata.GetMetadata<StreamedAnswerMetadata>() is not null;
        await using var held = streamed ? null : new FileBufferingWriteStream(HeldAnswerInMemory);
        await using var firstByte = streamed ? new AuditBeforeFirstByteStream(original, () => http.Response.StatusCode, status => AppendAsync(http, endpoint, db, clock, status)) : null;
        http.Response.Body = (Stream?)held ?? firstByte!;
        var hold = held is not null ? Database.HoldAnswerUntilDurable() : null;
        int? thrownStatus = null;
        Exception? thrown = null, unrecorded = null;
        try
        {
            await next(http).ConfigureAwait(false);
            if (held is not null) await http.Response.BodyWriter.FlushAsync(http.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // The exception handler further out will answer with the status its one mapping gives (nothing held is sent).
            thrownStatus = ProblemExceptionHandler.Map(e).Status ?? StatusCodes.Status500InternalServerError;
            thrown = e;
            throw;
        }
        finally
        {
            hold?.Dispose();
            http.Response.Body = original;
            var status = thrownStatus ?? http.Response.StatusCode;
            if (http.Items[WrittenInUnitKey] is int written && written == status)
            {
                // The write recorded its own success row, committed with it; wait only for reads made after it, if any.
                if (hold is not null && thrownStatus is null) await db.DurableAsync(hold, CancellationToken.None).ConfigureAwait(false);
            }
            else if (status == StatusCodes.Status401Unauthorized && Caller.ActorOf(http.User) is null
                     && !anonymous.Admit(http.Connection.RemoteIpAddress, http.TraceIdentifier))
            {
                // Counted into its address's aggregated row for this minute. The answer is a refusal: nothing to hold.
            }
            else if (thrown is StoreUnavailableException)
            {
                // The store just failed to take this call's own write in time: waiting as long again for its audit row
                // would only double the caller's wait. The log keeps the trace (ids only) instead.
                LogUnrecorded(logger, http, endpoint, thrown, status);
            }
            else if (firstByte?.Recorded is not { } recorded || recorded != status)
            {
                try
                {
                    if (held is not null && audit.Value.DefersReads && IsPatientDataRead(http, endpoint)
                        && AuditStore.TryAppendDeferred(db, Patients(http), EntryOf(http, endpoint, status, clock.GetUtcNow())))
                    {
                        // Audit:ReadDurability=deferred (issue 24): the row joins the next group commit without holding the
                        // answer; the answer still waits for the flush of what its reads could have seen (no response shows
                        // data a power cut could take back). Refused (queue full, writer failing): the strict path below.
                        if (thrownStatus is null) await db.DurableAsync(hold!, CancellationToken.None).ConfigureAwait(false);
                    }
                    else
                    {
                        await AppendAsync(http, endpoint, db, clock, status).ConfigureAwait(false);
                    }
                }
                catch (Exception e)
                {
                    LogUnrecorded(logger, http, endpoint, e, status);
                    // Fail closed (SPEC v2 Security, continued): an answer that carries data leaves only with its durable
                    // audit row. A refusal carries none and still goes out.
                    if (held is not null && thrownStatus is null && status < 400) unrecorded = e;
                }
            }
        }
        if (unrecorded is not null)
        {
            // Nothing held is sent: the exception handler clears the response and answers 503 with Retry-After.
            throw unrecorded as StoreUnavailableException ?? new StoreUnavailableException(db.WriteTimeout, unrecorded);
        }
        if (held is not null)
        {
            if (http.Response.ContentLength is null && !http.Response.HasStarted) http.Response.ContentLength = held.Length;
            await held.DrainBufferAsync(original, http.RequestAborted).ConfigureAwait(false);
        }
    }

    // What deferred mode defers: reads of patient data (issue 24). A write's failure row stays strict like its success
    // row (which commits inside the write's transaction), and so do admin reads (the audit trail, keys, deliveries):
    // rare, with no latency target, and an audit read's own row stays on disk before its answer leaves.
    private static bool IsPatientDataRead(HttpContext http, Endpoint endpoint) =>
        (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method))
        && endpoint.Metadata.GetMetadata<AuditedMetadata>() is { Admin: false };

    // Who called, what, which request, what was answered: enough to reconstruct the call from the log (no patient id: no PHI).
    private static void LogUnrecorded(ILogger logger, HttpContext http, Endpoint endpoint, Exception e, int status)
    {
        var actor = Caller.ActorOf(http.User);
        logger.AuditRowNotWritten(e.GetType().Name, ActionOf(endpoint), actor?.Type, actor?.Id, Caller.TryFrom(http.User)?.Role, http.TraceIdentifier, status);
    }

    private static Task AppendAsync(HttpContext http, Endpoint endpoint, Database db, TimeProvider clock, int status) =>
        AuditStore.AppendAsync(db, Patients(http), EntryOf(http, endpoint, status, clock.GetUtcNow()), CancellationToken.None);

    /// <summary>Answers are paged (≤ 500 items), far below this; a larger one would go to a temporary file.</summary>
    private const int HeldAnswerInMemory = 16 * 1024 * 1024;

    /// <summary>
    /// Called by a write inside its own unit (after it has named its patients) that answers <paramref name="status"/> on
    /// success (a creation's 201, an acknowledgement's or a correction's 200, a key revocation's 204): appends this call's
    /// success row to the same transaction, so the change and the row that it was made commit together, in one writer pass
    /// and one flush instead of two; a change is never stored without its row, nor answered 503 after it was stored because
    /// a separate row could not be written. If the call then answers anything else (the batch failed, say), the middleware
    /// appends the row for what was answered instead.
    /// </summary>
    public static async Task RecordWrittenInUnitAsync(HttpContext http, DbConnection c, DbTransaction tx, DateTimeOffset at, int status, CancellationToken ct)
    {
        if (http.GetEndpoint() is not { } endpoint || endpoint.Metadata.GetMetadata<AuditedMetadata>() is null) return;
        await AuditStore.AppendAsync(c, tx, Patients(http), EntryOf(http, endpoint, status, at), ct).ConfigureAwait(false);
        http.Items[WrittenInUnitKey] = status;
    }

    private const string WrittenInUnitKey = "audit.writtenInUnit";

    private static AuditEntry EntryOf(HttpContext http, Endpoint endpoint, int status, DateTimeOffset at)
    {
        var audited = endpoint.Metadata.GetRequiredMetadata<AuditedMetadata>();
        var caller = Caller.TryFrom(http.User);
        var actor = Caller.ActorOf(http.User);
        var target = audited.Admin ? http.Items[TargetKey] as Target ?? RouteTarget(http, audited.RouteTargetType) : RecordTarget(http, endpoint);
        // Done: the site of what it acted on. Refused: the acting admin's own site — a site-bound admin cannot place rows in
        // another site's view by naming that site in a request it was refused — except where the route names the site
        // acted on (AuditSiteMetadata): then that site, whatever the outcome.
        var site = !audited.Admin ? null
            : RouteSite(http, endpoint) is { } routed ? routed
            : status < 400 && http.Items[SiteKey] is NamedSite named ? named.SiteId : caller?.SiteId;
        // A token without a known role is still someone: its row names the actor (no role), not the client address.
        return new AuditEntry(DbTime.Normalize(at), caller?.KeyId, caller?.Role, ActionOf(endpoint), status, OutcomeOf(status), http.TraceIdentifier,
            target?.Type, target?.Id, site, actor is null ? AnonymousRefusals.Display(http.Connection.RemoteIpAddress) : null,
            Actor: actor?.ToJson());
    }

    // Only a valid identifier is written (an invalid one was answered 400 naming it; its text stays out of the audit).
    private static string? RouteSite(HttpContext http, Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<AuditSiteMetadata>() is { } m && http.GetRouteValue(m.RouteValue) is string s && IsIdentifier(s) ? s : null;

    private static bool IsIdentifier(string s)
    {
        var errors = new KetamineOutcomes.Core.ValidationErrors();
        Infrastructure.FieldRules.Identifier(s, "siteId", errors);
        return errors.IsEmpty;
    }

    /// <summary>An admin action names no patient: its route <c>{id}</c> is its target.</summary>
    private static Guid?[] Patients(HttpContext http) =>
        http.GetEndpoint()?.Metadata.GetMetadata<AuditedMetadata>() is { Admin: true } ? [] : http.Items[PatientIdsKey] as Guid?[] ?? [RoutePatient(http)];

    private static string ActionOf(Endpoint endpoint) => endpoint.Metadata.GetMetadata<IEndpointNameMetadata>()?.EndpointName ?? "unknown";

    // {patientId} names a patient wherever it appears; {id} only on /patients/{id}… (elsewhere it is an alert's, a key's…).
    private static Guid? RoutePatient(HttpContext http) =>
        (http.GetRouteValue("patientId") ?? (IsPatientRoute(http) ? http.GetRouteValue("id") : null)) is string s && Guid.TryParse(s, out var id) ? id : null;

    private static bool IsPatientRoute(HttpContext http) =>
        (http.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText is { } pattern
        && pattern.Contains("/patients/{id", StringComparison.Ordinal);

    private static Target? RouteTarget(HttpContext http, string? type) =>
        type is not null && http.GetRouteValue("id") is string s && Guid.TryParse(s, out var id) ? new Target(type, id) : null;

    private static Target? RecordTarget(HttpContext http, Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<AuditTargetMetadata>() is { } m && http.GetRouteValue(m.RouteValue) is string s && Guid.TryParse(s, out var id)
            ? new Target(m.Type, id) : null;

    public static string OutcomeOf(int status) => status switch
    {
        < 400 => "success",
        401 or 403 => "denied",
        404 => "not-found",
        < 500 => "invalid",
        _ => "error",
    };
}
