using KetamineOutcomes.Api.Infrastructure;
namespace KetamineOutcomes.Api.Audit;

internal static class AuditServiceCollectionExtensions
{
    /// <summary>The "Audit" options, the per-address cap on anonymous refusal rows and the timer that writes their counts.</summary>
    public static IServiceCollection AddOutcomesAudit(this IServiceCollection services)
    {
        services.AddOptions<AuditOptions>().BindConfiguration(AuditOptions.SectionName).ValidateSettings(AuditOptions.SectionName);
        services.AddSingleton<AnonymousRefusals>();
        services.AddHostedService<AnonymousRefusalFlusher>();
        return services;
    }
}
