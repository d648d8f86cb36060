using Dapper;
using KetamineOutcomes.Data.Infrastructure;

namespace KetamineOutcomes.Api.Tests.Corrections;

/// <summary>The record tables a correction marks (SPEC v2, Corrections).</summary>
public enum RecordTable { Questionnaires, SuicidalityCheckins, Infusions }

/// <summary>
/// Marks a record entered in error on a test's real store (SQLite file or PostgreSQL database) as the correction does:
/// status entered-in-error, version + 1, last_updated = when. The read-side tests use it until
/// <c>POST …/{rid}/entered-in-error</c> exists; swapping it for that call is the only change they then need (the call
/// also writes the superseded version to record_versions, which no read-side view looks at).
/// </summary>
public static class EnteredInErrorFixture
{
    /// <summary>Marks the record and returns its new last_updated (now, to the microsecond, unless given).</summary>
    public static async Task<DateTimeOffset> MarkAsync(OutcomesApp app, RecordTable table, string id, DateTimeOffset? at = null)
    {
        var when = DbTime.Normalize(at ?? DateTimeOffset.UtcNow);
        var name = table switch
        {
            RecordTable.Questionnaires => "questionnaires",
            RecordTable.SuicidalityCheckins => "suicidality_checkins",
            _ => "infusions",
        };
        await using var c = await app.OpenConnectionAsync();
        var changed = await c.ExecuteAsync(
            $"UPDATE {name} SET status = 'entered-in-error', version = version + 1, last_updated = @at WHERE id = @id",
            new { at = DbTime.ToDb(when), id = Guid.Parse(id) });
        Assert.Equal(1, changed);
        return when;
    }
}
