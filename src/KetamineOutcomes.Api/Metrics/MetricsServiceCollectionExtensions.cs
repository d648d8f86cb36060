using KetamineOutcomes.Data.Infrastructure;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace KetamineOutcomes.Api.Metrics;

internal static class MetricsServiceCollectionExtensions
{
    /// <summary>The service name Prometheus sees in <c>target_info</c>.</summary>
    public const string ServiceName = "ketamine-outcomes";

    /// <summary>
    /// OpenTelemetry metrics exported for Prometheus on the metrics listener (README "Metrics"): ASP.NET Core's request
    /// rate and latency by route template, the store's group-commit and give-up instruments (<see cref="StoreMetrics"/>),
    /// and the store gauges (<see cref="StoreGauges"/>). Nothing when <c>Metrics:Enabled</c> is false.
    /// </summary>
    public static IServiceCollection AddOutcomesMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<MetricsOptions>().BindConfiguration(MetricsOptions.SectionName);
        if (!configuration.GetValue(MetricsOptions.SectionName + ":" + nameof(MetricsOptions.Enabled), true)) return services;
        services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(ServiceName))
            .WithMetrics(m => m
                // http.server.request.duration tagged with the route template (http.route), never the raw path.
                .AddAspNetCoreInstrumentation()
                .AddMeter(StoreMetrics.MeterName, StoreGauges.MeterName)
                .AddPrometheusExporter());
        services.AddSingleton<StoreGauges>();
        services.AddSingleton<MetricsListener>();
        services.AddHostedService(sp => sp.GetRequiredService<MetricsListener>());
        return services;
    }
}
