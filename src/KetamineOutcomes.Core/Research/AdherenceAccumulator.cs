using KetamineOutcomes.Core.Plans;

namespace KetamineOutcomes.Core.Research;

/// <summary>Takes a cohort one patient at a time with what a plan's schedule needs (see <see cref="AdherenceAccumulator"/>).</summary>
public interface IScheduleSink
{
    /// <summary>
    /// One patient: its site (null: none), registration (UTC ticks), live infusion times ascending and live assessment
    /// times of the instrument ascending (UTC ticks; entered-in-error records are left out by the reader).
    /// </summary>
    void Add(string? siteId, long registeredTicks, ReadOnlySpan<long> infusionTicks, ReadOnlySpan<long> assessmentTicks);
}

/// <summary>
/// Cohort adherence rate and whether it was withheld (SPEC v2, Measurement plans; small cells per SPEC Research).
/// </summary>
/// <param name="Rate">Occurrences completed in window / occurrences due, 4 decimals; null when withheld or none was due.</param>
/// <param name="RateSuppressed">True when withheld by the small-cell rules.</param>
public sealed record CohortAdherence(double? Rate, bool RateSuppressed);

/// <summary>
/// The research summary's <c>adherenceRate</c> (SPEC v2, Measurement plans) in one pass over the cohort. Each patient's
/// occurrences come from <see cref="DueSchedule.Adherence(PlanHistory, PlanInstrument, DateTimeOffset)"/> under its
/// site's plan versions — the same rule as <c>GET /patients/{id}/adherence</c>: an occurrence counts as due once its
/// window has closed or it is completed, and as completed when an assessment of its instrument falls in its window.
/// Every consenting patient counts, also one who never completed an assessment (the least adherent).
/// <para>Small cells (SPEC Research, CMS policy): the rate is over occurrences, but several occurrences may be one
/// person's, so the rule is applied to people: the rate is published only when at least k patients had an occurrence
/// due (the n that counts) and the patients with a completed occurrence and those with a missed one are each 0 or ≥ k.
/// That implies the rule on occurrences too (each such patient adds at least one). Otherwise it is null with
/// <c>RateSuppressed</c>.</para>
/// </summary>
public sealed class AdherenceAccumulator(PlanInstrument instrument, DateTimeOffset at, Func<string?, PlanHistory> plansOf) : IScheduleSink
{
    private long _due, _completed;
    private int _patients, _patientsCompleting, _patientsMissing;
    private readonly List<RuleOccurrences.Slot> _slots = [];

    /// <inheritdoc />
    public void Add(string? siteId, long registeredTicks, ReadOnlySpan<long> infusionTicks, ReadOnlySpan<long> assessmentTicks)
    {
        // Live and in order already (the reader's contract): no record objects, and ids only stand for positions.
        Add(new DueSchedule(registeredTicks, infusionTicks, instrument, assessmentTicks).Adherence(plansOf(siteId), instrument, at, _slots));
    }

    /// <summary>One patient's adherence as <see cref="DueSchedule"/> gives it.</summary>
    public void Add(PlanAdherence patient)
    {
        if (patient.Instrument != instrument) throw new ArgumentException("Another instrument's adherence.", nameof(patient));
        if (patient.Due == 0) return;
        _patients++;
        _due += patient.Due;
        _completed += patient.CompletedInWindow;
        if (patient.CompletedInWindow > 0) _patientsCompleting++;
        if (patient.CompletedInWindow < patient.Due) _patientsMissing++;
    }

    /// <summary>Adds another accumulator's patients (other patients of the same query); Finish is order-independent.</summary>
    public void Merge(AdherenceAccumulator other)
    {
        if (other == this) throw new ArgumentException("An accumulator cannot merge itself.", nameof(other));
        (_due, _completed) = (_due + other._due, _completed + other._completed);
        (_patients, _patientsCompleting, _patientsMissing) =
            (_patients + other._patients, _patientsCompleting + other._patientsCompleting, _patientsMissing + other._patientsMissing);
    }

    public CohortAdherence Finish(int k)
    {
        if (_patients == 0) return new CohortAdherence(null, false);
        var publishable = _patients >= k && SmallCells.Publishable(_patientsCompleting, k) && SmallCells.Publishable(_patientsMissing, k);
        return publishable
            ? new CohortAdherence(Math.Round((double)_completed / _due, 4), false)
            : new CohortAdherence(null, true);
    }
}
