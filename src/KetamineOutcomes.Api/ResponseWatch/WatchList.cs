using System.Data.Common;
using System.Globalization;
using KetamineOutcomes.Api.Contracts;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Trends;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.ResponseWatch;

/// <summary>
/// The response watch of a set of patients (read in bulk by <see cref="ResponseWatchStore"/>), shared by
/// <c>GET /response-watch</c> and the <c>response.lost</c>/<c>remission.relapsed</c> pass: each patient's trend per
/// instrument (<see cref="TrendCalculator"/>, the one place for the rules) reduced to a <see cref="WatchEntry"/>
/// (<see cref="Core.Trends.ResponseWatch"/>, which computes the trend only when the patient may be on the watch), most urgent first (<see cref="Core.Trends.ResponseWatch.CompareUrgency"/>,
/// then patient id, then instrument, so the order is total and a cursor is exact).
/// </summary>
internal static class WatchList
{
    public sealed record Listed(WatchPatient Patient, WatchEntry Entry);

    private static readonly Instrument[] Watched = [Instrument.Phq9, Instrument.Gad7];

    /// <summary>
    /// Every watch entry of the patients <see cref="ResponseWatchStore.ForEachPatientAsync"/> reads (only <paramref name="instrument"/>'s
    /// when given), most urgent first. Each patient is reduced as it is read; only those on the watch are kept.
    /// </summary>
    public static async Task<List<Listed>> ReadAsync(DbConnection c, string? siteId, bool everySite, Instrument? instrument, CancellationToken ct)
    {
        var listed = new List<Listed>();
        await ResponseWatchStore.ForEachPatientAsync(c, siteId, everySite, p => Add(listed, p, instrument), ct).ConfigureAwait(false);
        listed.Sort(Compare);
        return listed;
    }

    private static void Add(List<Listed> listed, WatchPatient p, Instrument? instrument)
    {
        foreach (var i in Watched)
        {
            if (instrument is { } only && only != i) continue;
            var scores = p.ScoresOf(i);
            if (scores.Count == 0) continue;
            if (Core.Trends.ResponseWatch.Of(i, p.Timeline, scores) is { } entry) listed.Add(new Listed(p, entry));
        }
    }

    private static int Compare(Listed a, Listed b)
    {
        var c = Core.Trends.ResponseWatch.CompareUrgency(a.Entry, b.Entry);
        if (c == 0) c = a.Patient.Id.CompareTo(b.Patient.Id);
        return c != 0 ? c : a.Entry.Instrument.CompareTo(b.Entry.Instrument);
    }

    /// <summary>The item a worklist shows, with days since the last infusion counted to <paramref name="now"/>.</summary>
    public static ResponseWatchItem ItemOf(Listed l, DateTimeOffset now)
    {
        var (p, e) = (l.Patient, l.Entry);
        return new ResponseWatchItem(p.Id, p.SiteId, p.Mrn, e.Instrument, e.Kind, e.Baseline, e.EpisodeStart, e.Setback, e.Latest,
            Core.Trends.ResponseWatch.PercentOfBaseline(e), p.Timeline.At(now).SessionNumber, p.Timeline.DaysSinceLastInfusion(now) ?? 0);
    }

    /// <summary>A cursor: the sort key of the last item of a page (setback time, patient, and kind.latest.baseline.instrument).</summary>
    public static string CursorOf(Listed l) => Keyset.Encode(DbTime.ToDb(l.Entry.Setback.CompletedAt), l.Patient.Id,
        FormattableString.Invariant($"{(int)l.Entry.Kind}.{l.Entry.Latest.TotalScore}.{l.Entry.Baseline.TotalScore}.{WireNames.Of(l.Entry.Instrument)}"));

    /// <summary>The position a cursor names, as a comparable listing; null when the cursor is not one of ours.</summary>
    public static Listed? PositionOf((long Micros, Guid Id, string Key) cursor)
    {
        var parts = cursor.Key.Split('.');
        if (parts.Length != 4
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kind) || !Enum.IsDefined((WatchKind)kind)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var latest)
            || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out var baseline) || baseline <= 0
            || !WireNames.TryParse<Instrument>(parts[3], out var instrument)) return null;
        var at = DbTime.FromDb(cursor.Micros);
        var entry = new WatchEntry(instrument, (WatchKind)kind, new ScoreRef(Guid.Empty, at, baseline), new Milestone(Guid.Empty, at, 0, 0, null),
            new Setback(Guid.Empty, at, latest, 0, 0, 0), new ScoreRef(Guid.Empty, at, latest));
        return new Listed(new WatchPatient(cursor.Id, null, null, Core.Timepoints.InfusionTimeline.Empty, [], []), entry);
    }

    /// <summary>One page after <paramref name="after"/> (null: from the start) and the next page's cursor (null: none).</summary>
    public static ListResponse<ResponseWatchItem> Page(List<Listed> all, Listed? after, int limit, DateTimeOffset now)
    {
        var start = 0;
        if (after is not null)
        {
            // The first listing ordered after the cursor's: a binary search on the same total order.
            var (lo, hi) = (0, all.Count);
            while (lo < hi)
            {
                var mid = (lo + hi) / 2;
                if (Compare(all[mid], after) <= 0) lo = mid + 1;
                else hi = mid;
            }
            start = lo;
        }
        var page = all.Skip(start).Take(limit).ToList();
        var next = start + limit < all.Count ? CursorOf(page[^1]) : null;
        return new ListResponse<ResponseWatchItem>(page.Select(l => ItemOf(l, now)).ToArray(), next);
    }
}
