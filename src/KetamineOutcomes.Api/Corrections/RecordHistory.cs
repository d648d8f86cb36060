using KetamineOutcomes.Api.Contracts;
using KetamineOutcomes.Core;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Corrections;

/// <summary>
/// A record's history as <c>GET …/history</c> answers it (SPEC v2, Corrections): its superseded versions, oldest first, then
/// the current one, each mapped by the same mapper as the record's GET.
/// </summary>
internal static class RecordHistory
{
    /// <param name="superseded">The record's rows of record_versions, read after <paramref name="current"/>: any at or above its
    /// version (a correction committed in between) are left out, so the history ends at the version read.</param>
    public static HistoryResponse<TResult> Of<TRecord, TResult>(
        IReadOnlyList<RecordVersion> superseded, TRecord current, int version, RecordStatus? status, DateTimeOffset changedAt, VersionStamp? stamp,
        Func<TRecord, TResult> map)
    {
        var items = superseded.Where(v => v.Version < version)
            .Select(v => new HistoryItem<TResult>(v.Version, v.Status, v.ChangedAt, Actor.Parse(v.ChangedBy), v.ChangeReason, map(RecordBodies.Deserialize<TRecord>(v.Body))))
            .ToList();
        items.Add(new HistoryItem<TResult>(version, status, changedAt, Actor.Parse(stamp?.ChangedBy), stamp?.ChangeReason, map(current)));
        return new HistoryResponse<TResult>(items);
    }

    /// <summary>The alert a version of an assessment showed: the one its GET shows among those raised by it or an earlier version.</summary>
    public static SafetyAlertRecord? AlertAt(IEnumerable<SafetyAlertRecord> alerts, int version) =>
        SafetyAlertStore.Shown(alerts.Where(a => a.SourceVersion <= version));
}
