using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Serialization;
using KetamineOutcomes.Core.Plans;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Plans;

/// <summary>
/// A site's stored plan versions as Core reads them (migration 0016): the rules JSON is the API's rule shape
/// (<see cref="PlanRuleDraft"/>), and a stored version is read back through <see cref="MeasurementPlanValidation"/>
/// like a request, so a row that no longer validates fails loudly instead of scheduling something else.
/// </summary>
internal static class SitePlans
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        // Enums by their wire names (JsonStringEnumMemberName); fields an anchor does not take are left out.
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>The rules as stored: a JSON array of rules in their wire shape.</summary>
    public static string RulesJson(IReadOnlyList<PlanRule> rules) => JsonSerializer.Serialize(rules.Select(PlanRuleDraft.Of).ToArray(), Json);

    /// <summary>The plan a stored version holds.</summary>
    public static MeasurementPlan PlanOf(MeasurementPlanRecord stored) =>
        new(stored.Version, MeasurementPlanValidation.Parse(JsonSerializer.Deserialize<PlanRuleDraft?[]>(stored.Rules, Json)));

    /// <summary>The plan versions governing a site's patients (<see cref="PlanHistory"/>); a patient without a site has the default plan.</summary>
    public static async Task<PlanHistory> HistoryAsync(DbConnection c, string? siteId, CancellationToken ct)
    {
        if (siteId is null) return PlanHistory.Of(MeasurementPlan.Default);
        var versions = await MeasurementPlanStore.VersionsAsync(c, siteId, ct).ConfigureAwait(false);
        return PlanHistory.Stored(versions.Select(v => (PlanOf(v), v.CreatedAt)));
    }

    /// <summary>
    /// Every site's plan versions at once, for a read across sites (the research summary's adherence): a site without
    /// stored versions, and a patient without a site, get the default plan.
    /// </summary>
    public static async Task<Func<string?, PlanHistory>> AllHistoriesAsync(DbConnection c, CancellationToken ct)
    {
        var versions = await MeasurementPlanStore.AllVersionsAsync(c, ct).ConfigureAwait(false);
        var bySite = versions.GroupBy(v => v.SiteId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => PlanHistory.Stored(g.Select(v => (PlanOf(v), v.CreatedAt))), StringComparer.Ordinal);
        var standard = PlanHistory.Of(MeasurementPlan.Default);
        return site => site is not null && bySite.TryGetValue(site, out var history) ? history : standard;
    }
}
