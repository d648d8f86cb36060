using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Research;
using KetamineOutcomes.Data.Infrastructure;

namespace KetamineOutcomes.Data.Stores;

public static partial class ResearchStore
{
    /// <summary>The three statements of <see cref="ReadCohortSchedulesAsync"/>: patients, live infusions, live assessments.</summary>
    internal static (string Patients, string Infusions, string Assessments) CohortSchedulesSql(Partition partition)
    {
        var cohort = CohortOf(partition);
        var (scores, infusions) = CohortScoresSql(partition);
        return ($"SELECT p.id, p.site_id, p.created_at FROM patients p WHERE p.id IN ({cohort}) ORDER BY p.id", infusions, scores);
    }

    /// <summary>
    /// What the summary's adherence rate reads of one partition of the cohort (issue 21): every cohort patient in
    /// patient order — also one without any assessment — with its site, registration (the record's creation), live
    /// infusion times and live assessment times of the instrument, handed to <paramref name="sink"/>. The same cohort
    /// and live-record conditions as <see cref="ReadCohortScoresAsync"/> (one text for each), three streams merged by
    /// patient into reused buffers.
    /// </summary>
    public static async Task ReadCohortSchedulesAsync(
        IConnectionFactory connections, Instrument instrument, ResearchFilter filter, Partition partition, IScheduleSink sink, CancellationToken ct)
    {
        var args = Arguments(instrument, filter, partition);
        var (patientsSql, infusionsSql, assessmentsSql) = CohortSchedulesSql(partition);
        // One connection per stream: PostgreSQL allows one active reader per connection.
        await using var c1 = await connections.OpenAsync(ct).ConfigureAwait(false);
        await using var c2 = await connections.OpenAsync(ct).ConfigureAwait(false);
        await using var c3 = await connections.OpenAsync(ct).ConfigureAwait(false);
        var text = c1 is not Npgsql.NpgsqlConnection;
        await using var patients = await ResearchRows.OpenAsync(c1, patientsSql, args, ct).ConfigureAwait(false);
        await using var infusions = await ResearchRows.OpenAsync(c2, infusionsSql, args, ct).ConfigureAwait(false);
        await using var assessments = await ResearchRows.OpenAsync(c3, assessmentsSql, args, ct).ConfigureAwait(false);
        var infusionTimes = await PatientTimes.StartAsync(infusions, text, ct).ConfigureAwait(false);
        var assessmentTimes = await PatientTimes.StartAsync(assessments, text, ct).ConfigureAwait(false);
        while (await patients.ReadAsync(ct).ConfigureAwait(false))
        {
            var patient = PatientKey.Read(patients, 0, text);
            var site = patients.IsNull(1) ? null : patients.RepeatedText(1);
            var registered = DbTime.FromDb(patients.Int64(2)).UtcTicks;
            await infusionTimes.TakeAsync(patient, ct).ConfigureAwait(false);
            await assessmentTimes.TakeAsync(patient, ct).ConfigureAwait(false);
            sink.Add(site, registered, infusionTimes.Times, assessmentTimes.Times);
        }
    }

    /// <summary>
    /// A stream of (patient, time) rows in patient order, taken one patient at a time into a reused buffer. Rows of a
    /// patient ordered before the one asked for (not in the patient stream: written between the queries) are skipped;
    /// a later patient's are left for it.
    /// </summary>
    private sealed class PatientTimes(ResearchRows rows, bool text, bool more)
    {
        private long[] _buffer = new long[64];
        private int _count;
        private bool _more = more;

        public static async Task<PatientTimes> StartAsync(ResearchRows rows, bool text, CancellationToken ct) =>
            new(rows, text, await rows.ReadAsync(ct).ConfigureAwait(false));

        /// <summary>The times last taken (UTC ticks), in the stream's order.</summary>
        public ReadOnlySpan<long> Times => _buffer.AsSpan(0, _count);

        public async ValueTask TakeAsync(PatientKey patient, CancellationToken ct)
        {
            _count = 0;
            while (_more)
            {
                var order = PatientKey.Read(rows, 0, text).CompareOrder(patient);
                if (order > 0) return;
                if (order == 0)
                {
                    if (_count == _buffer.Length) Array.Resize(ref _buffer, 2 * _count);
                    _buffer[_count++] = DbTime.FromDb(rows.Int64(1)).UtcTicks;
                }
                _more = await rows.ReadAsync(ct).ConfigureAwait(false);
            }
        }
    }
}
