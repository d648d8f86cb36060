using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using Dapper;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Patients;
using KetamineOutcomes.Data.Infrastructure;

namespace KetamineOutcomes.Data.Stores;

/// <summary>Research filters (SPEC "Research"): all optional, combined with AND; consent is always required.</summary>
public sealed record ResearchFilter(string? SiteId, Diagnosis? Diagnosis, AdministrationRoute? Route, Drug? Drug);

public sealed record ResearchInfusion(Guid Id, DateTimeOffset AdministeredAt, AdministrationRoute Route, Drug Drug);

public sealed record ResearchAssessment(Guid Id, DateTimeOffset CompletedAt, int TotalScore, Severity Severity, bool Prorated, IReadOnlyList<int?> Items);

/// <summary>One consenting patient's research view: pseudonym and quasi-identifiers only, no id, MRN or site.</summary>
public sealed record ResearchCohortPatient(
    string PseudoId, Sex? Sex, int? BirthYear, IReadOnlyList<Diagnosis> Diagnoses,
    IReadOnlyList<ResearchInfusion> Infusions, IReadOnlyList<ResearchAssessment> Assessments);

/// <summary>
/// Set-based reads for research: three queries over the filtered cohort (patients, infusions, assessments), each
/// ordered by patient and streamed, merged in one pass. Never one query per patient.
/// </summary>
public static class ResearchStore
{
    // The cohort: consenting patients matching every filter given.
    private const string Cohort = """
        SELECT p.id FROM patients p
        WHERE p.research_consent = 1
          AND (@siteId IS NULL OR p.site_id = @siteId)
          AND (@diagnosis IS NULL OR EXISTS (SELECT 1 FROM patient_diagnoses d WHERE d.patient_id = p.id AND d.diagnosis = @diagnosis))
          AND (@route IS NULL OR EXISTS (SELECT 1 FROM infusions i WHERE i.patient_id = p.id AND i.route = @route))
          AND (@drug IS NULL OR EXISTS (SELECT 1 FROM infusions i WHERE i.patient_id = p.id AND i.drug = @drug))
        """;

    private sealed class PatientRow
    {
        public Guid Id { get; set; }
        public string PseudoId { get; set; } = "";
        public string? Sex { get; set; }
        public long? BirthYear { get; set; }
    }

    private sealed class DiagnosisRow
    {
        public Guid PatientId { get; set; }
        public string Diagnosis { get; set; } = "";
    }

    private sealed class InfusionRow
    {
        public Guid PatientId { get; set; }
        public Guid Id { get; set; }
        public DateTimeOffset AdministeredAt { get; set; }
        public string Route { get; set; } = "";
        public string Drug { get; set; } = "";
    }

    private sealed class AssessmentRow
    {
        public Guid PatientId { get; set; }
        public Guid Id { get; set; }
        public DateTimeOffset CompletedAt { get; set; }
        public long TotalScore { get; set; }
        public string Severity { get; set; } = "";
        public long Prorated { get; set; }
        public string Items { get; set; } = "[]";
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

    /// <summary>
    /// Streams the cohort for one instrument, one patient at a time, in patient order. Item answers are read only
    /// when asked for (the export needs them; the statistics do not, and parsing them dominates the cost).
    /// </summary>
    public static async IAsyncEnumerable<ResearchCohortPatient> StreamCohortAsync(
        IConnectionFactory connections, Instrument instrument, ResearchFilter filter, bool includeItems, [EnumeratorCancellation] CancellationToken ct)
    {
        var args = new
        {
            siteId = filter.SiteId,
            diagnosis = filter.Diagnosis is { } d ? WireNames.Of(d) : null,
            route = filter.Route is { } r ? WireNames.Of(r) : null,
            drug = filter.Drug is { } g ? WireNames.Of(g) : null,
            instrument = WireNames.Of(instrument),
            includeItems = includeItems ? 1 : 0,
        };
        const string patientsSql = $"""
            SELECT p.id AS Id, r.pseudo_id AS PseudoId, p.sex AS Sex, p.birth_year AS BirthYear
            FROM patients p JOIN research_ids r ON r.patient_id = p.id
            WHERE p.id IN ({Cohort})
            ORDER BY p.id
            """;
        const string diagnosesSql = $"""
            SELECT patient_id AS PatientId, diagnosis AS Diagnosis FROM patient_diagnoses WHERE patient_id IN ({Cohort})
            ORDER BY patient_id, diagnosis
            """;
        const string infusionsSql = $"""
            SELECT patient_id AS PatientId, id AS Id, administered_at AS AdministeredAt, route AS Route, drug AS Drug
            FROM infusions WHERE patient_id IN ({Cohort})
            ORDER BY patient_id, administered_at, id
            """;
        const string assessmentsSql = $"""
            SELECT patient_id AS PatientId, id AS Id, completed_at AS CompletedAt, total_score AS TotalScore, severity AS Severity,
                   prorated AS Prorated, CASE WHEN @includeItems = 1 THEN items ELSE '[]' END AS Items
            FROM questionnaires WHERE instrument = @instrument AND patient_id IN ({Cohort})
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
        var patients = c1.QueryUnbufferedAsync<PatientRow>(patientsSql, args).GetAsyncEnumerator(ct);
        var infusions = new Lookahead<InfusionRow>(c2.QueryUnbufferedAsync<InfusionRow>(infusionsSql, args).GetAsyncEnumerator(ct));
        var assessments = new Lookahead<AssessmentRow>(c3.QueryUnbufferedAsync<AssessmentRow>(assessmentsSql, args).GetAsyncEnumerator(ct));
        var diagnoses = new Lookahead<DiagnosisRow>(c4.QueryUnbufferedAsync<DiagnosisRow>(diagnosesSql, args).GetAsyncEnumerator(ct));
        try
        {
            while (await patients.MoveNextAsync().ConfigureAwait(false))
            {
                var p = patients.Current;
                var key = OrderKey(p.Id);
                var dxs = new List<Diagnosis>();
                await foreach (var dx in diagnoses.TakeWhileAsync(row => string.CompareOrdinal(OrderKey(row.PatientId), key) <= 0).ConfigureAwait(false))
                {
                    if (dx.PatientId == p.Id) dxs.Add(WireNames.Parse<Diagnosis>(dx.Diagnosis));
                }
                var ins = new List<ResearchInfusion>();
                await foreach (var i in infusions.TakeWhileAsync(row => string.CompareOrdinal(OrderKey(row.PatientId), key) <= 0).ConfigureAwait(false))
                {
                    if (i.PatientId == p.Id) ins.Add(new ResearchInfusion(i.Id, i.AdministeredAt, WireNames.Parse<AdministrationRoute>(i.Route), WireNames.Parse<Drug>(i.Drug)));
                }
                var qs = new List<ResearchAssessment>();
                await foreach (var a in assessments.TakeWhileAsync(row => string.CompareOrdinal(OrderKey(row.PatientId), key) <= 0).ConfigureAwait(false))
                {
                    if (a.PatientId == p.Id)
                        qs.Add(new ResearchAssessment(a.Id, a.CompletedAt, (int)a.TotalScore, WireNames.Parse<Severity>(a.Severity), a.Prorated == 1,
                            includeItems ? JsonSerializer.Deserialize<int?[]>(a.Items) ?? [] : []));
                }
                yield return new ResearchCohortPatient(p.PseudoId, p.Sex is null ? null : WireNames.Parse<Sex>(p.Sex), (int?)p.BirthYear,
                    dxs.Order().ToArray(), ins, qs);
            }
        }
        finally
        {
            await patients.DisposeAsync().ConfigureAwait(false);
            await infusions.DisposeAsync().ConfigureAwait(false);
            await assessments.DisposeAsync().ConfigureAwait(false);
            await diagnoses.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static string OrderKey(Guid id) => id.ToString("N");

    /// <summary>A forward-only reader with one row of lookahead, for merging ordered streams.</summary>
    private sealed class Lookahead<T>(IAsyncEnumerator<T> source) : IAsyncDisposable where T : class
    {
        private T? _peeked;
        private bool _done;

        public async IAsyncEnumerable<T> TakeWhileAsync(Func<T, bool> predicate)
        {
            while (true)
            {
                if (_peeked is null)
                {
                    if (_done || !await source.MoveNextAsync().ConfigureAwait(false)) { _done = true; yield break; }
                    _peeked = source.Current;
                }
                if (!predicate(_peeked)) yield break;
                var row = _peeked;
                _peeked = null;
                yield return row;
            }
        }

        public ValueTask DisposeAsync() => source.DisposeAsync();
    }
}
