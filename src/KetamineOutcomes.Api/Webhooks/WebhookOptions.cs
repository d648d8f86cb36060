using System.ComponentModel.DataAnnotations;
using KetamineOutcomes.Core.Notifications;

namespace KetamineOutcomes.Api.Webhooks;

/// <summary>"Webhooks" section: where safety-alert events go and how hard the dispatcher tries.</summary>
public sealed class WebhookOptions : IValidatableObject
{
    public const string SectionName = "Webhooks";

    /// <summary>Receivers (<c>Webhooks:Endpoints:0:Url</c>, <c>…:Secret</c>, optional <c>…:Name</c>).</summary>
    public List<WebhookEndpointOptions> Endpoints { get; set; } = [];

    /// <summary>HTTP attempts per delivery before it is left <c>failed</c> (admins can retry it).</summary>
    [Range(1, 100)] public int MaxAttempts { get; set; } = 10;

    /// <summary>Quick retries inside one dispatch, before the delivery is rescheduled (they count as attempts).</summary>
    [Range(0, 5)] public int InProcessRetries { get; set; } = 2;

    [Range(typeof(TimeSpan), "00:00:00.010", "00:05:00")] public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")] public TimeSpan BaseDelay { get; set; } = TimeSpan.FromSeconds(2);
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")] public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMinutes(15);
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")] public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a dispatcher holds a claimed delivery; after that another instance may send it.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")] public TimeSpan ClaimLease { get; set; } = TimeSpan.FromMinutes(2);
    [Range(1, 500)] public int BatchSize { get; set; } = 20;

    /// <summary>Per-endpoint circuit breaker: opens when this share of calls fails …</summary>
    [Range(0.01, 1.0)] public double BreakerFailureRatio { get; set; } = 0.5;
    /// <summary>… among at least this many calls within the sampling window …</summary>
    [Range(2, 1000)] public int BreakerMinimumThroughput { get; set; } = 6;
    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")] public TimeSpan BreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(60);
    /// <summary>… and stays open this long, during which deliveries to that endpoint wait without an attempt.</summary>
    [Range(typeof(TimeSpan), "00:00:00.500", "01:00:00")] public TimeSpan BreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < Endpoints.Count; i++)
        {
            var e = Endpoints[i];
            if (!Uri.TryCreate(e.Url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
                yield return new ValidationResult($"Webhooks:Endpoints:{i}:Url must be an absolute http(s) URL.");
            // The name is stored with every delivery and shown to admins: it must not carry a URL's token (issue 18).
            if (ReceiverUrl.CarriesSecrets(e.Name))
                yield return new ValidationResult($"Webhooks:Endpoints:{i}:Name must not hold a URL with user-info, a query or a fragment.");
            if (string.IsNullOrEmpty(e.Secret) || e.Secret.Length < 16)
                yield return new ValidationResult($"Webhooks:Endpoints:{i}:Secret must be at least 16 characters.");
        }
        var duplicate = Endpoints.GroupBy(e => e.Identity, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            yield return new ValidationResult($"Webhook endpoint '{duplicate.Key}' is configured twice (endpoints whose URLs differ only in user-info, query or fragment need a Name each).");
    }
}

public sealed class WebhookEndpointOptions
{
    /// <summary>
    /// Stable name of the receiver, stored with each delivery and shown in the delivery list; defaults to the URL without
    /// user-info, query and fragment (<see cref="ReceiverUrl.Redact"/>). Must not itself carry those.
    /// </summary>
    public string? Name { get; set; }

    /// <summary>Where deliveries are POSTed; read from configuration at send time and never stored (issue 18).</summary>
    public string Url { get; set; } = "";
    /// <summary>HMAC-SHA256 key for <c>X-Signature</c>; from a secret store, never committed.</summary>
    public string Secret { get; set; } = "";

    /// <summary>The name deliveries are stored under. An invalid URL (refused by validation) is not echoed, even in errors.</summary>
    public string Identity =>
        !string.IsNullOrWhiteSpace(Name) ? Name
        : Uri.TryCreate(Url, UriKind.Absolute, out var url) ? ReceiverUrl.Redact(url)
        : "invalid-url";
}
