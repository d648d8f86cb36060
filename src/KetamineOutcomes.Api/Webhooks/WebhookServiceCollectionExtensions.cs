namespace KetamineOutcomes.Api.Webhooks;

internal static class WebhookServiceCollectionExtensions
{
    /// <summary>Outbox targets, per-endpoint Polly pipelines, the HTTP client and the background dispatcher.</summary>
    public static IServiceCollection AddOutcomesWebhooks(this IServiceCollection services)
    {
        services.AddOptions<WebhookOptions>().BindConfiguration(WebhookOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<WebhookTargets>();
        services.AddSingleton<WebhookPipelines>();
        // Timeouts come from the pipeline (per attempt); the client's own timeout only backstops it.
        services.AddHttpClient(WebhookDispatcher.HttpClientName, c => c.Timeout = TimeSpan.FromMinutes(5));
        services.AddHostedService<WebhookDispatcher>();
        return services;
    }
}
