using System.Data.Common;
using Dapper;
using KetamineOutcomes.Data.Infrastructure;

namespace KetamineOutcomes.Data.Stores;

/// <summary>One stored version of a site's measurement plan (migration 0016): rules and actor as their JSON text.</summary>
public sealed record MeasurementPlanRecord(string SiteId, int Version, DateTimeOffset CreatedAt, string ChangedBy, string Rules);

/// <summary>Site measurement plans, append-only: each change adds the next version (migration 0016).</summary>
public static class MeasurementPlanStore
{
    /// <summary>Every version of a site's plan, oldest first; empty for a site on the default plan.</summary>
    public static async Task<IReadOnlyList<MeasurementPlanRecord>> VersionsAsync(DbConnection c, string siteId, CancellationToken ct, DbTransaction? tx = null)
    {
        const string sql = "SELECT version, created_at, changed_by, rules FROM measurement_plans WHERE site_id = @siteId ORDER BY version";
        return await HandRead.ListAsync(c, new CommandDefinition(sql, new { siteId }, tx, cancellationToken: ct),
            r => new MeasurementPlanRecord(siteId, (int)r.GetInt64(0), DbTime.FromDb(r.GetInt64(1)), r.GetString(2), r.GetString(3))).ConfigureAwait(false);
    }

    /// <summary>Every stored version of every site's plan, by site, oldest first (a small table: a few versions per site).</summary>
    public static async Task<IReadOnlyList<MeasurementPlanRecord>> AllVersionsAsync(DbConnection c, CancellationToken ct)
    {
        const string sql = "SELECT site_id, version, created_at, changed_by, rules FROM measurement_plans ORDER BY site_id, version";
        return await HandRead.ListAsync(c, new CommandDefinition(sql, cancellationToken: ct),
            r => new MeasurementPlanRecord(r.GetString(0), (int)r.GetInt64(1), DbTime.FromDb(r.GetInt64(2)), r.GetString(3), r.GetString(4))).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds a version; false when the site already has that version number (another change was stored first: on
    /// PostgreSQL a concurrent transaction, which the primary key makes the loser of).
    /// </summary>
    public static async Task<bool> AppendAsync(DbConnection c, DbTransaction tx, IConnectionFactory dialect, MeasurementPlanRecord plan, CancellationToken ct)
    {
        const string sql = "INSERT INTO measurement_plans (site_id, version, created_at, changed_by, rules) VALUES (@SiteId, @Version, @CreatedAt, @ChangedBy, @Rules)";
        try
        {
            await c.ExecuteAsync(new CommandDefinition(sql, new { plan.SiteId, plan.Version, CreatedAt = DbTime.ToDb(plan.CreatedAt), plan.ChangedBy, plan.Rules },
                tx, cancellationToken: ct)).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (dialect.IsUniqueViolation(e))
        {
            return false;
        }
    }
}
