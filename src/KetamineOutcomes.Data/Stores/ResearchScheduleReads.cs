using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Research;
using KetamineOutcomes.Data.Infrastructure;

namespace KetamineOutcomes.Data.Stores;

public static partial class ResearchStore
{
    /// <summary>The three statements of <see cref="ReadCohortWithSchedulesAsync"/>: patients, live infusions, live scores.</summary>
    internal static (string Patients, string Infusions, string Scores) CohortWithSchedulesSql(Partition partition)
    {
        // The cohort's own statement with the two columns the schedule needs, not a second look-up of its patients.
        var (scores, infusions) = CohortScoresSql(partition);
        return ($"SELECT p.id, p.site_id, p.created_at {CohortPatientsOf(partition)}\nORDER BY p.id", infusions, scores);
    }

    /// <summary>
    /// <see cref="ReadCohortScoresAsync"/> and what the summary's adherence rate reads (issue 21) in one pass over one
    /// partition of the cohort: every cohort patient in patient order — also one without any assessment — goes to
    /// <paramref name="schedules"/> with its site, registration (the record's creation), live infusion times and live
    /// assessment times of the instrument; those with assessments also go to <paramref name="courses"/> as
    /// <see cref="ReadCohortScoresAsync"/> gives them. The same statements as that read plus the cohort's patients:
    /// three streams merged by patient into reused buffers, so infusions and scores are read once for both.
    /// </summary>
    public static async Task ReadCohortWithSchedulesAsync(IConnectionFactory connections, Instrument instrument, ResearchFilter filter,
        Partition partition, ICourseSink courses, IScheduleSink schedules, CancellationToken ct)
    {
        var args = Arguments(instrument, filter, partition);
        var (patientsSql, infusionsSql, scoresSql) = CohortWithSchedulesSql(partition);
        // One connection per stream: PostgreSQL allows one active reader per connection.
        await using var c1 = await connections.OpenAsync(ct).ConfigureAwait(false);
        await using var c2 = await connections.OpenAsync(ct).ConfigureAwait(false);
        await using var c3 = await connections.OpenAsync(ct).ConfigureAwait(false);
        var text = c1 is not Npgsql.NpgsqlConnection;
        await using var patients = await BulkRows.OpenAsync(c1, patientsSql, args, ct).ConfigureAwait(false);
        await using var infusions = await BulkRows.OpenAsync(c2, infusionsSql, args, ct).ConfigureAwait(false);
        await using var scores = await BulkRows.OpenAsync(c3, scoresSql, args, ct).ConfigureAwait(false);
        var infusionRows = await PatientRows.StartAsync(infusions, text, withScores: false, ct).ConfigureAwait(false);
        var scoreRows = await PatientRows.StartAsync(scores, text, withScores: true, ct).ConfigureAwait(false);
        while (await patients.ReadAsync(ct).ConfigureAwait(false))
        {
            var patient = PatientKey.Read(patients, 0, text);
            var site = patients.IsNull(1) ? null : patients.RepeatedText(1);
            var registered = DbTime.FromDb(patients.Int64(2)).UtcTicks;
            await infusionRows.TakeAsync(patient, ct).ConfigureAwait(false);
            await scoreRows.TakeAsync(patient, ct).ConfigureAwait(false);
            if (scoreRows.Times.Length > 0) courses.Add(infusionRows.Times, scoreRows.Scores);
            schedules.Add(site, registered, infusionRows.Times, scoreRows.Times);
        }
    }

    /// <summary>
    /// A stream of (patient, time[, score]) rows in patient order, taken one patient at a time into reused buffers.
    /// Rows of a patient ordered before the one asked for (not in the patient stream: written between the queries) are
    /// skipped; a later patient's are left for it.
    /// </summary>
    private sealed class PatientRows(BulkRows rows, bool text, bool withScores, bool more)
    {
        private long[] _times = new long[64];
        private TimedScore[] _scores = withScores ? new TimedScore[64] : [];
        private int _count;
        private bool _more = more;

        public static async Task<PatientRows> StartAsync(BulkRows rows, bool text, bool withScores, CancellationToken ct) =>
            new(rows, text, withScores, await rows.ReadAsync(ct).ConfigureAwait(false));

        /// <summary>The times last taken (UTC ticks), in the stream's order.</summary>
        public ReadOnlySpan<long> Times => _times.AsSpan(0, _count);

        /// <summary>The same rows with their scores (a stream read with scores only).</summary>
        public ReadOnlySpan<TimedScore> Scores => _scores.AsSpan(0, _count);

        public async ValueTask TakeAsync(PatientKey patient, CancellationToken ct)
        {
            _count = 0;
            while (_more)
            {
                var order = PatientKey.Read(rows, 0, text).CompareOrder(patient);
                if (order > 0) return;
                if (order == 0)
                {
                    if (_count == _times.Length)
                    {
                        Array.Resize(ref _times, 2 * _count);
                        if (withScores) Array.Resize(ref _scores, 2 * _count);
                    }
                    var ticks = DbTime.FromDb(rows.Int64(1)).UtcTicks;
                    _times[_count] = ticks;
                    if (withScores) _scores[_count] = new TimedScore(ticks, (int)rows.Int64(2));
                    _count++;
                }
                _more = await rows.ReadAsync(ct).ConfigureAwait(false);
            }
        }
    }
}
