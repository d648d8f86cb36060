namespace KetamineOutcomes.Api.Infrastructure;

/// <summary>
/// Every log line the service writes, as source-generated messages. Only ids, routes, statuses and counts: never an
/// MRN, birth year, score, answer or clinical date (no PHI in logs).
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Error, "Unhandled error on {Method} {Endpoint}")]
    public static partial void UnhandledError(this ILogger logger, Exception exception, string method, string endpoint);

    [LoggerMessage(2, LogLevel.Information, "Request refused with {Status}: {Title}")]
    public static partial void Refused(this ILogger logger, int status, string? title);

    // One line per start however many migrations ran (DbUp's own per-script lines are at Debug). The location is a file
    // path or host/database, never a credential.
    [LoggerMessage(3, LogLevel.Information, "Store ready: {Provider} at {Location}; {Applied} migration(s) applied now, schema at {Latest}")]
    public static partial void StoreReady(this ILogger logger, string provider, string location, int applied, string latest);

    // A first run, or a path typed wrong: say so in one line an operator notices, with any other store files beside it.
    [LoggerMessage(45, LogLevel.Information, "Creating a new store at {Location} (other ketamine-outcomes*.db files in its folder: {Others})")]
    public static partial void StoreCreating(this ILogger logger, string location, string others);

    [LoggerMessage(4, LogLevel.Warning, "Readiness check failed: {ErrorType}")]
    public static partial void NotReady(this ILogger logger, string errorType);

    [LoggerMessage(5, LogLevel.Information, "Demo cohort: {Patients} patients loaded")]
    public static partial void DemoSeeded(this ILogger logger, int patients);

    [LoggerMessage(6, LogLevel.Information, "Demo cohort already present; nothing loaded")]
    public static partial void DemoAlreadyPresent(this ILogger logger);

    [LoggerMessage(7, LogLevel.Error, "Audit row could not be written: {ErrorType}")]
    public static partial void AuditWriteFailed(this ILogger logger, string errorType);

    /// <summary>
    /// The trace of a call whose audit row the store did not take (fail closed: no data was answered): who, what, which
    /// request, what was answered — ids only, never the patient (no PHI in logs).
    /// </summary>
    [LoggerMessage(19, LogLevel.Error, "Audit row not written ({ErrorType}): {Action} by key {KeyId} ({Role}), request {RequestId}, answered {StatusCode}")]
    public static partial void AuditRowNotWritten(this ILogger logger, string errorType, string action, Guid? keyId, string? role, string requestId, int statusCode);

    [LoggerMessage(20, LogLevel.Warning, "Store unavailable: {Method} {Route} answered 503 with Retry-After")]
    public static partial void StoreUnavailable(this ILogger logger, string method, string route);

    [LoggerMessage(8, LogLevel.Information, "Webhook event {EventId} delivered to {Endpoint} after {Attempts} attempt(s)")]
    public static partial void WebhookDelivered(this ILogger logger, Guid eventId, string endpoint, int attempts);

    [LoggerMessage(9, LogLevel.Warning, "Webhook event {EventId} to {Endpoint}: attempt {Attempts} failed ({Error}); rescheduled")]
    public static partial void WebhookRescheduled(this ILogger logger, Guid eventId, string endpoint, int attempts, string error);

    [LoggerMessage(10, LogLevel.Error, "Webhook event {EventId} to {Endpoint} FAILED after {Attempts} attempt(s) ({Error}); an admin can retry it")]
    public static partial void WebhookFailed(this ILogger logger, Guid eventId, string endpoint, int attempts, string error);

    [LoggerMessage(11, LogLevel.Error, "Webhook dispatcher loop error: {ErrorType}")]
    public static partial void DispatcherError(this ILogger logger, string errorType);

    [LoggerMessage(46, LogLevel.Error, "assessment.due scheduler pass failed: {ErrorType}; the next pass writes what this one did not")]
    public static partial void SchedulerError(this ILogger logger, string errorType);

    [LoggerMessage(47, LogLevel.Information, "assessment.due scheduler: {Events} event(s) written to the outbox")]
    public static partial void SchedulerWrote(this ILogger logger, int events);

    [LoggerMessage(12, LogLevel.Information, "Store ready: {Provider} at {Location}; migrations skipped (Storage:SkipMigrations)")]
    public static partial void StoreMigrationsSkipped(this ILogger logger, string provider, string location);

    // Without any admin key nobody can create keys (on a fresh store every call answers 401): say how to get one
    // (README "Two commands").
    [LoggerMessage(13, LogLevel.Warning, "No admin key is configured, so no key can be created (on a new store every call answers 401). Set one and restart: export Auth__BootstrapAdminKey=$(openssl rand -hex 32)")]
    public static partial void NoAdminKey(this ILogger logger);

    [LoggerMessage(14, LogLevel.Warning, "Auth:BootstrapAdminKey was revoked through the API and stays revoked. Set a new one and restart: export Auth__BootstrapAdminKey=$(openssl rand -hex 32)")]
    public static partial void BootstrapKeyRevoked(this ILogger logger);

    [LoggerMessage(40, LogLevel.Information, "Metrics for Prometheus at {ScrapeUrl}")]
    public static partial void MetricsListening(this ILogger logger, string scrapeUrl);

    [LoggerMessage(41, LogLevel.Warning, "Metrics: the store could not be read for the alert and webhook gauges ({ErrorType}); they are absent until it can")]
    public static partial void MetricsStoreReadFailed(this ILogger logger, string errorType);

    [LoggerMessage(52, LogLevel.Error, "Response-watch pass failed: {ErrorType}; the next pass writes what this one did not")]
    public static partial void ResponseWatchError(this ILogger logger, string errorType);

    [LoggerMessage(53, LogLevel.Information, "Response-watch pass: {Events} response.lost/remission.relapsed event(s) written to the outbox")]
    public static partial void ResponseWatchWrote(this ILogger logger, int events);
}
