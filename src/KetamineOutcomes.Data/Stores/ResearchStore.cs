using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
using Dapper;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Patients;
using KetamineOutcomes.Core.Research;
using KetamineOutcomes.Data.Infrastructure;

namespace KetamineOutcomes.Data.Stores;

/// <summary>Research filters (SPEC "Research"): all optional, combined with AND; consent is always required.</summary>
public sealed record ResearchFilter(string? SiteId, Diagnosis? Diagnosis, AdministrationRoute? Route, Drug? Drug);

public sealed record ResearchInfusion(Guid Id, DateTimeOffset AdministeredAt, AdministrationRoute Route, Drug Drug);

/// <summary>One assessment in the research view: no record id (the stream's order, completed time then id, is kept).</summary>
public sealed record ResearchAssessment(DateTimeOffset CompletedAt, int TotalScore, Severity Severity, bool Prorated, IReadOnlyList<int?> Items);

/// <summary>One consenting patient's research view: pseudonym and quasi-identifiers only, no id, MRN or site.</summary>
public sealed record ResearchCohortPatient(
    string PseudoId, Sex? Sex, int? BirthYear, IReadOnlyList<Diagnosis> Diagnoses,
    IReadOnlyList<ResearchInfusion> Infusions, IReadOnlyList<ResearchAssessment> Assessments);

/// <summary>
/// Set-based reads for research: three queries over the filtered cohort (patients, infusions, assessments), each
/// ordered by patient and streamed, merged in one pass. Never one query per patient.
/// </summary>
public static partial class ResearchStore
{
    // The cohort: consenting patients with a pseudonym (every patient gets one when created) matching every filter
    // given, within the partition's id range (if any). Entered-in-error records count nowhere in research (SPEC v2,
    // Corrections): every stream and filter reads live records only (LiveRecords.Condition; qualified where joined).
    private const string Cohort = "SELECT p.id " + CohortPatients;

    // The cohort's FROM and WHERE: a read that needs more of each cohort patient selects its own columns from it.
    private const string CohortPatients = """
        FROM patients p
        WHERE p.research_consent = 1
          AND EXISTS (SELECT 1 FROM research_ids r WHERE r.patient_id = p.id)
          AND (@siteId IS NULL OR p.site_id = @siteId)
          AND (@diagnosis IS NULL OR EXISTS (SELECT 1 FROM patient_diagnoses d WHERE d.patient_id = p.id AND d.diagnosis = @diagnosis))
          AND (@route IS NULL OR EXISTS (SELECT 1 FROM infusions i WHERE i.patient_id = p.id AND i.route = @route AND i.status <> 'entered-in-error'))
          AND (@drug IS NULL OR EXISTS (SELECT 1 FROM infusions i WHERE i.patient_id = p.id AND i.drug = @drug AND i.status <> 'entered-in-error'))
          /*range*/
        """;

    /// <summary>
    /// A slice of the patients by id (from inclusive, to exclusive; null = open), each bound in the provider's own id
    /// type (SQLite text, PostgreSQL uuid) so it compares exactly as the ORDER BY does.
    /// </summary>
    public sealed record Partition(object? From, object? To)
    {
        public static readonly Partition All = new(null, null);

        internal string Range => (From, To) switch
        {
            (null, null) => "",
            (not null, null) => "AND p.id >= @rangeFrom",
            (null, not null) => "AND p.id < @rangeTo",
            _ => "AND p.id >= @rangeFrom AND p.id < @rangeTo",
        };
    }

    /// <summary>
    /// Splits all patients into up to <paramref name="count"/> id ranges of about equal size, for reading a cohort in
    /// parallel. Small stores (under 500 patients per part) stay one partition: below that, a part is read in a few
    /// milliseconds and the extra connections are not worth it.
    /// </summary>
    public static async Task<IReadOnlyList<Partition>> PartitionsAsync(IConnectionFactory connections, int count, CancellationToken ct)
    {
        await using var c = await connections.OpenAsync(ct).ConfigureAwait(false);
        var total = await c.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM patients", cancellationToken: ct)).ConfigureAwait(false);
        count = (int)Math.Clamp(total / 500, 1, count);
        if (count == 1) return [Partition.All];
        var bounds = new List<object>();
        for (var i = 1; i < count; i++)
        {
            var bound = await c.ExecuteScalarAsync<object>(new CommandDefinition(
                "SELECT id FROM patients ORDER BY id LIMIT 1 OFFSET @offset", new { offset = total * i / count }, cancellationToken: ct)).ConfigureAwait(false);
            if (bound is not null) bounds.Add(bound);
        }
        var parts = new List<Partition>();
        object? from = null;
        foreach (var bound in bounds)
        {
            parts.Add(new Partition(from, bound));
            from = bound;
        }
        parts.Add(new Partition(from, null));
        return parts;
    }

    // Rows as the four streams read them, mapped by hand from the reader: Dapper's per-row mapping and the Guid and
    // instant type handlers were most of the cost of a full-cohort read.
    private sealed record PatientRow(PatientKey Key, string PseudoId, string? Sex, long? BirthYear);
    private sealed record DiagnosisRow(PatientKey Key, string Diagnosis);
    private sealed record InfusionRow(PatientKey Key, Guid Id, long AdministeredAt, string Route, string Drug);
    private sealed record AssessmentRow(PatientKey Key, long CompletedAt, long TotalScore, long Prorated, string Items);

    /// <summary>
    /// A patient id as the provider hands it over: SQLite's text (matched as text, never parsed: that was a fifth of a
    /// full-cohort read) or PostgreSQL's uuid. Both sort like their lowercase hex form.
    /// </summary>
    private readonly record struct PatientKey(string? Text, Guid Uuid)
    {
        public static PatientKey Read(BulkRows r, int i, bool text) => text ? new(r.RepeatedText(i), default) : new(null, r.Guid(i));

        public int CompareOrder(PatientKey other) => Text is not null
            ? string.CompareOrdinal(Text, other.Text)
            : string.CompareOrdinal(Uuid.ToString("N"), other.Uuid.ToString("N"));
    }

    /// <summary>A new random pseudonym: "R-" and 12 letters (≈ 56 bits), derived from nothing.</summary>
    public static string NewPseudoId()
    {
        Span<char> letters = stackalloc char[12];
        for (var i = 0; i < letters.Length; i++) letters[i] = (char)('A' + RandomNumberGenerator.GetInt32(26));
        return "R-" + new string(letters);
    }

    /// <summary>Gives patients without a pseudonym one (e.g. rows written before pseudonyms existed).</summary>
    public static Task AssignPseudoIdAsync(DbConnection c, DbTransaction tx, Guid patientId, CancellationToken ct) =>
        c.ExecuteAsync(new CommandDefinition(
            "INSERT INTO research_ids (patient_id, pseudo_id) VALUES (@patientId, @pseudo) ON CONFLICT (patient_id) DO NOTHING",
            new { patientId, pseudo = NewPseudoId() }, tx, cancellationToken: ct));

    internal static Dictionary<string, object?> Arguments(Instrument instrument, ResearchFilter filter, Partition partition) => new()
    {
        ["rangeFrom"] = partition.From,
        ["rangeTo"] = partition.To,
        ["siteId"] = filter.SiteId,
        ["diagnosis"] = filter.Diagnosis is { } d ? WireNames.Of(d) : null,
        ["route"] = filter.Route is { } r ? WireNames.Of(r) : null,
        ["drug"] = filter.Drug is { } g ? WireNames.Of(g) : null,
        ["instrument"] = WireNames.Of(instrument),
    };

    private static string CohortOf(Partition partition) => Cohort.Replace("/*range*/", partition.Range, StringComparison.Ordinal);

    private static string CohortPatientsOf(Partition partition) => CohortPatients.Replace("/*range*/", partition.Range, StringComparison.Ordinal);

    /// <summary>The two statements of <see cref="ReadCohortScoresAsync"/> (tests check their plans stay index-only).</summary>
    internal static (string Scores, string Infusions) CohortScoresSql(Partition partition)
    {
        var cohort = CohortOf(partition);
        return ($"""
            SELECT patient_id, completed_at, total_score FROM questionnaires
            WHERE instrument = @instrument AND {LiveRecords.Condition} AND patient_id IN ({cohort})
            ORDER BY patient_id, completed_at, id
            """, $"""
            SELECT patient_id, administered_at FROM infusions WHERE {LiveRecords.Condition} AND patient_id IN ({cohort})
            ORDER BY patient_id, administered_at
            """);
    }

    /// <summary>
    /// What the research statistics read of one partition of the cohort: for each patient with assessments of the
    /// instrument, in patient order, its infusion times ascending and its scores in time order (ties by id), handed to
    /// <paramref name="sink"/>. Two streams of plain columns merged by patient into two reused buffers: no patient,
    /// diagnosis or pseudonym rows (filters are applied in SQL) and no object per row. Patients without assessments
    /// add nothing to the statistics, so only the assessment stream's patients are visited.
    /// </summary>
    public static async Task ReadCohortScoresAsync(
        IConnectionFactory connections, Instrument instrument, ResearchFilter filter, Partition partition, ICourseSink sink, CancellationToken ct)
    {
        var args = Arguments(instrument, filter, partition);
        var (scoresSql, infusionsSql) = CohortScoresSql(partition);
        // One connection per stream: PostgreSQL allows one active reader per connection.
        await using var c1 = await connections.OpenAsync(ct).ConfigureAwait(false);
        await using var c2 = await connections.OpenAsync(ct).ConfigureAwait(false);
        var text = c1 is not Npgsql.NpgsqlConnection;
        await using var scores = await BulkRows.OpenAsync(c1, scoresSql, args, ct).ConfigureAwait(false);
        await using var infusions = await BulkRows.OpenAsync(c2, infusionsSql, args, ct).ConfigureAwait(false);
        var scoreBuffer = new TimedScore[64];
        var infusionBuffer = new long[16];
        var moreInfusions = await infusions.ReadAsync(ct).ConfigureAwait(false);
        var moreScores = await scores.ReadAsync(ct).ConfigureAwait(false);
        var next = moreScores ? PatientKey.Read(scores, 0, text) : default; // the current row's patient, read once per row
        while (moreScores)
        {
            var patient = next;
            var scoreCount = 0;
            do
            {
                if (scoreCount == scoreBuffer.Length) Array.Resize(ref scoreBuffer, 2 * scoreCount);
                scoreBuffer[scoreCount++] = new TimedScore(DbTime.FromDb(scores.Int64(1)).UtcTicks, (int)scores.Int64(2));
                moreScores = await scores.ReadAsync(ct).ConfigureAwait(false);
                if (moreScores) next = PatientKey.Read(scores, 0, text);
            } while (moreScores && next == patient);

            var infusionCount = 0;
            while (moreInfusions)
            {
                var order = PatientKey.Read(infusions, 0, text).CompareOrder(patient);
                if (order > 0) break; // a later patient's: kept for the next one
                if (order == 0)
                {
                    if (infusionCount == infusionBuffer.Length) Array.Resize(ref infusionBuffer, 2 * infusionCount);
                    infusionBuffer[infusionCount++] = DbTime.FromDb(infusions.Int64(1)).UtcTicks;
                }
                // order < 0: a patient without assessments (or written between the queries): nothing to add
                moreInfusions = await infusions.ReadAsync(ct).ConfigureAwait(false);
            }
            sink.Add(infusionBuffer.AsSpan(0, infusionCount), scoreBuffer.AsSpan(0, scoreCount));
        }
    }

    /// <summary>
    /// Streams the cohort for one instrument, one patient at a time, in patient order, with all the export shows
    /// (pseudonym, quasi-identifiers, infusions, item answers). The statistics read far less: <see cref="ReadCohortScoresAsync"/>.
    /// </summary>
    public static IAsyncEnumerable<ResearchCohortPatient> StreamCohortAsync(
        IConnectionFactory connections, Instrument instrument, ResearchFilter filter, CancellationToken ct) =>
        StreamCohortAsync(connections, instrument, filter, Partition.All, ct);

    /// <summary>The cohort's patients within one partition, in patient order.</summary>
    public static async IAsyncEnumerable<ResearchCohortPatient> StreamCohortAsync(
        IConnectionFactory connections, Instrument instrument, ResearchFilter filter, Partition partition,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var args = Arguments(instrument, filter, partition);
        var cohort = CohortOf(partition);
        var patientsSql = $"""
            SELECT p.id AS Id, r.pseudo_id AS PseudoId, p.sex AS Sex, p.birth_year AS BirthYear
            FROM patients p JOIN research_ids r ON r.patient_id = p.id
            WHERE p.id IN ({cohort})
            ORDER BY p.id
            """;
        var diagnosesSql = $"""
            SELECT patient_id AS PatientId, diagnosis AS Diagnosis FROM patient_diagnoses WHERE patient_id IN ({cohort})
            ORDER BY patient_id, diagnosis
            """;
        var infusionsSql = $"""
            SELECT patient_id AS PatientId, id AS Id, administered_at AS AdministeredAt, route AS Route, drug AS Drug
            FROM infusions WHERE {LiveRecords.Condition} AND patient_id IN ({cohort})
            ORDER BY patient_id, administered_at, id
            """;
        var assessmentsSql = $"""
            SELECT patient_id AS PatientId, completed_at AS CompletedAt, total_score AS TotalScore, prorated AS Prorated, items AS Items
            FROM questionnaires WHERE instrument = @instrument AND {LiveRecords.Condition} AND patient_id IN ({cohort})
            ORDER BY patient_id, completed_at, id
            """;

        // Four forward-only readers over the same patient order, merged like a sort-merge join. Each has its own
        // connection (PostgreSQL allows one active reader per connection); rows of patients outside the patient
        // stream (a write landing between the queries) are skipped by the merge. Both providers order ids alike
        // (SQLite: hex text; PostgreSQL: uuid bytes), which is the order of their lowercase hex form.
        await using var c1 = await connections.OpenAsync(ct).ConfigureAwait(false);
        await using var c2 = await connections.OpenAsync(ct).ConfigureAwait(false);
        await using var c3 = await connections.OpenAsync(ct).ConfigureAwait(false);
        await using var c4 = await connections.OpenAsync(ct).ConfigureAwait(false);
        var text = c1 is not Npgsql.NpgsqlConnection;
        // The severity band is a function of the total (the same one that stored it): derived, not read, per row.
        var definition = InstrumentDefinition.For(instrument);
        await using var patients = await RowStream<PatientRow>.OpenAsync(c1, patientsSql, args, r => new PatientRow(
            PatientKey.Read(r, 0, text), r.Text(1), r.IsNull(2) ? null : r.RepeatedText(2), r.IsNull(3) ? null : r.Int64(3)), false, ct).ConfigureAwait(false);
        await using var diagnoses = await RowStream<DiagnosisRow>.OpenAsync(c4, diagnosesSql, args,
            r => new DiagnosisRow(PatientKey.Read(r, 0, text), r.RepeatedText(1)), false, ct).ConfigureAwait(false);
        // The two long streams are read ahead on other threads when rows come over the network (PostgreSQL), so waiting
        // for them overlaps with merging. SQLite rows are stepped on the merging thread: reading them ahead measured
        // ~15 % faster on a 10,000-patient cohort but ~30 MB more peak memory, which the service's budget lacks.
        await using var infusions = await RowStream<InfusionRow>.OpenAsync(c2, infusionsSql, args,
            r => new InfusionRow(PatientKey.Read(r, 0, text), r.Guid(1), r.Int64(2), r.RepeatedText(3), r.RepeatedText(4)), true, ct).ConfigureAwait(false);
        await using var assessments = await RowStream<AssessmentRow>.OpenAsync(c3, assessmentsSql, args,
            r => new AssessmentRow(PatientKey.Read(r, 0, text), r.Int64(1), r.Int64(2), r.Int64(3), r.Text(4)), true, ct).ConfigureAwait(false);
        while (await patients.PeekAsync().ConfigureAwait(false) is { } p)
        {
            patients.Take();
            var dxs = new List<Diagnosis>();
            while (await diagnoses.NextOfAsync(p.Key).ConfigureAwait(false) is { } dx) dxs.Add(WireNames.Parse<Diagnosis>(dx.Diagnosis));
            var ins = new List<ResearchInfusion>();
            while (await infusions.NextOfAsync(p.Key).ConfigureAwait(false) is { } i)
                ins.Add(new ResearchInfusion(i.Id, DbTime.FromDb(i.AdministeredAt), WireNames.Parse<AdministrationRoute>(i.Route), WireNames.Parse<Drug>(i.Drug)));
            var qs = new List<ResearchAssessment>();
            while (await assessments.NextOfAsync(p.Key).ConfigureAwait(false) is { } a)
                qs.Add(new ResearchAssessment(DbTime.FromDb(a.CompletedAt), (int)a.TotalScore, definition.SeverityOf((int)a.TotalScore), a.Prorated == 1,
                    JsonSerializer.Deserialize<int?[]>(a.Items) ?? []));
            yield return new ResearchCohortPatient(p.PseudoId, p.Sex is null ? null : WireNames.Parse<Sex>(p.Sex), (int?)p.BirthYear,
                dxs.Order().ToArray(), ins, qs);
        }
    }

    /// <summary>
    /// A forward-only reader with one row of lookahead, for merging streams ordered by patient. With read-ahead, a
    /// background task maps rows into chunks (a few thousand rows buffered at most) while the caller consumes them.
    /// </summary>
    private sealed class RowStream<T> : IAsyncDisposable where T : class
    {
        private const int ChunkSize = 512;

        private readonly BulkRows _reader;
        private readonly Func<BulkRows, T> _map;
        private readonly CancellationToken _ct;
        private readonly Channel<T[]>? _chunks;
        private readonly CancellationTokenSource? _stopReadAhead;
        private readonly Task _readAhead = Task.CompletedTask;
        private T[] _chunk = [];
        private int _next;
        private T? _peeked;
        private bool _done;

        private RowStream(BulkRows reader, Func<BulkRows, T> map, bool readAhead, CancellationToken ct)
        {
            _reader = reader;
            _map = map;
            _ct = ct;
            if (!readAhead || reader.Local) return;
            _chunks = Channel.CreateBounded<T[]>(new BoundedChannelOptions(8) { SingleReader = true, SingleWriter = true });
            _stopReadAhead = CancellationTokenSource.CreateLinkedTokenSource(ct);
            _readAhead = Task.Run(() => ReadAheadAsync(_stopReadAhead.Token), CancellationToken.None);
        }

        public static async Task<RowStream<T>> OpenAsync(
            DbConnection c, string sql, IReadOnlyDictionary<string, object?> args, Func<BulkRows, T> map, bool readAhead, CancellationToken ct) =>
            new(await BulkRows.OpenAsync(c, sql, args, ct).ConfigureAwait(false), map, readAhead, ct);

        private async Task ReadAheadAsync(CancellationToken ct)
        {
            try
            {
                var chunk = new List<T>(ChunkSize);
                while (await _reader.ReadAsync(ct).ConfigureAwait(false))
                {
                    chunk.Add(_map(_reader));
                    if (chunk.Count < ChunkSize) continue;
                    await _chunks!.Writer.WriteAsync(chunk.ToArray(), ct).ConfigureAwait(false);
                    chunk.Clear();
                }
                if (chunk.Count > 0) await _chunks!.Writer.WriteAsync(chunk.ToArray(), ct).ConfigureAwait(false);
                _chunks!.Writer.TryComplete();
            }
            catch (Exception e)
            {
                _chunks!.Writer.TryComplete(e);
            }
        }

        public async ValueTask<T?> PeekAsync()
        {
            if (_peeked is null && !_done)
            {
                if (_chunks is null)
                {
                    if (await _reader.ReadAsync(_ct).ConfigureAwait(false)) _peeked = _map(_reader);
                    else _done = true;
                }
                else
                {
                    if (_next == _chunk.Length)
                    {
                        if (await _chunks.Reader.WaitToReadAsync(_ct).ConfigureAwait(false) && _chunks.Reader.TryRead(out var chunk)) (_chunk, _next) = (chunk, 0);
                        else _done = true;
                    }
                    if (!_done) _peeked = _chunk[_next++];
                }
            }
            return _peeked;
        }

        public void Take() => _peeked = null;

        /// <summary>The next row of this patient, skipping rows of patients ordered before it; null at a later patient's rows.</summary>
        public async ValueTask<T?> NextOfAsync(PatientKey patient)
        {
            while (await PeekAsync().ConfigureAwait(false) is { } row)
            {
                var key = KeyOf(row);
                if (key == patient)
                {
                    Take();
                    return row;
                }
                if (key.CompareOrder(patient) > 0) return null;
                Take(); // a patient not in the patient stream (written between the queries)
            }
            return null;
        }

        private static PatientKey KeyOf(T row) => row switch
        {
            DiagnosisRow d => d.Key,
            InfusionRow i => i.Key,
            AssessmentRow a => a.Key,
            _ => throw new InvalidOperationException("Not a per-patient row."),
        };

        public async ValueTask DisposeAsync()
        {
            if (_stopReadAhead is not null)
            {
                await _stopReadAhead.CancelAsync().ConfigureAwait(false);
                await _readAhead.ConfigureAwait(false);
                _stopReadAhead.Dispose();
            }
            await _reader.DisposeAsync().ConfigureAwait(false);
        }
    }
}
