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

    [LoggerMessage(3, LogLevel.Information, "Store ready: {Provider}, migrations applied")]
    public static partial void StoreReady(this ILogger logger, string provider);

    [LoggerMessage(4, LogLevel.Warning, "Readiness check failed: {ErrorType}")]
    public static partial void NotReady(this ILogger logger, string errorType);

    [LoggerMessage(5, LogLevel.Information, "Demo cohort: {Patients} patients loaded")]
    public static partial void DemoSeeded(this ILogger logger, int patients);

    [LoggerMessage(6, LogLevel.Information, "Demo cohort already present; nothing loaded")]
    public static partial void DemoAlreadyPresent(this ILogger logger);

    [LoggerMessage(7, LogLevel.Error, "Audit row could not be written: {ErrorType}")]
    public static partial void AuditWriteFailed(this ILogger logger, string errorType);

    [LoggerMessage(8, LogLevel.Information, "Webhook event {EventId} delivered to {Endpoint} after {Attempts} attempt(s)")]
    public static partial void WebhookDelivered(this ILogger logger, Guid eventId, string endpoint, int attempts);

    [LoggerMessage(9, LogLevel.Warning, "Webhook event {EventId} to {Endpoint}: attempt {Attempts} failed ({Error}); rescheduled")]
    public static partial void WebhookRescheduled(this ILogger logger, Guid eventId, string endpoint, int attempts, string error);

    [LoggerMessage(10, LogLevel.Error, "Webhook event {EventId} to {Endpoint} FAILED after {Attempts} attempt(s) ({Error}); an admin can retry it")]
    public static partial void WebhookFailed(this ILogger logger, Guid eventId, string endpoint, int attempts, string error);

    [LoggerMessage(11, LogLevel.Error, "Webhook dispatcher loop error: {ErrorType}")]
    public static partial void DispatcherError(this ILogger logger, string errorType);

    [LoggerMessage(40, LogLevel.Information, "Metrics for Prometheus at {ScrapeUrl}")]
    public static partial void MetricsListening(this ILogger logger, string scrapeUrl);

    [LoggerMessage(41, LogLevel.Warning, "Metrics: the store could not be read for the alert and webhook gauges ({ErrorType}); they are absent until it can")]
    public static partial void MetricsStoreReadFailed(this ILogger logger, string errorType);
}
