using System.Text.Json.Serialization;
using KetamineOutcomes.Core.Instruments;

namespace KetamineOutcomes.Core.Plans;

/// <summary>What a plan rule can ask for (SPEC v2, Measurement plans): the two scored questionnaires and the C-SSRS screener.</summary>
public enum PlanInstrument
{
    [JsonStringEnumMemberName("phq9")] Phq9,
    [JsonStringEnumMemberName("gad7")] Gad7,
    [JsonStringEnumMemberName("cssrs")] Cssrs,
}

public static class PlanInstruments
{
    /// <summary>The plan instrument a scored questionnaire answers (the C-SSRS is a check-in, not a questionnaire).</summary>
    public static PlanInstrument Of(Instrument instrument) => instrument switch
    {
        Instrument.Phq9 => PlanInstrument.Phq9,
        Instrument.Gad7 => PlanInstrument.Gad7,
        _ => throw new ArgumentOutOfRangeException(nameof(instrument), instrument, "Not a plan instrument."),
    };
}

/// <summary>What a rule's occurrences are keyed to (SPEC v2, Measurement plans).</summary>
public enum RuleAnchor
{
    [JsonStringEnumMemberName("enrolment")] Enrolment,
    [JsonStringEnumMemberName("after-infusion")] AfterInfusion,
    [JsonStringEnumMemberName("interval")] Interval,
}

/// <summary>When an interval rule applies: before the first infusion, from it on, or always.</summary>
public enum PlanPhase
{
    [JsonStringEnumMemberName("pre-treatment")] PreTreatment,
    [JsonStringEnumMemberName("on-treatment")] OnTreatment,
    [JsonStringEnumMemberName("any")] Any,
}

/// <summary>An occurrence's state at the instant it is computed for (SPEC v2, <c>GET /patients/{id}/due</c>).</summary>
public enum OccurrenceStatus
{
    [JsonStringEnumMemberName("upcoming")] Upcoming,
    [JsonStringEnumMemberName("due")] Due,
    [JsonStringEnumMemberName("overdue")] Overdue,
    [JsonStringEnumMemberName("completed")] Completed,
}
