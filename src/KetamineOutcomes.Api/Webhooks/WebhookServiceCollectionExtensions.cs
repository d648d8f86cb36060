using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Api.Plans;

namespace KetamineOutcomes.Api.Webhooks;

internal static class WebhookServiceCollectionExtensions
{
    /// <summary>
    /// Outbox targets, per-endpoint Polly pipelines, the HTTP client, the background dispatcher, and the
    /// <c>assessment.due</c> scheduler that writes into the same outbox.
    /// </summary>
    public static IServiceCollection AddOutcomesWebhooks(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.SectionName).ValidateSettings(WebhookOptions.SectionName);
        services.AddSingleton<WebhookTargets>();
        services.AddSingleton<WebhookPipelines>();
        // Timeouts come from the pipeline (per attempt); the client's own timeout only backstops it.
        // Redirects are never followed: a 3xx would re-send the signed POST to an address nobody configured (or turn it into
        // a GET and count that as delivered). A 3xx is a failed attempt, retried by policy (issue 18).
        services.AddHttpClient(WebhookDispatcher.HttpClientName, c => c.Timeout = TimeSpan.FromMinutes(5))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { AllowAutoRedirect = false });
        services.AddHostedService<WebhookDispatcher>();
        services.AddOptions<SchedulerOptions>().BindConfiguration(SchedulerOptions.SectionName).ValidateSettings(SchedulerOptions.SectionName);
        // One instance, also resolvable by itself (tests run a pass on a moved clock without waiting for the timer).
        services.AddSingleton<AssessmentDueScheduler>();
        services.AddHostedService(s => s.GetRequiredService<AssessmentDueScheduler>());
        return services;
    }
}
