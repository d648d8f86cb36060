using KetamineOutcomes.Core.Plans;

namespace KetamineOutcomes.Core.Tests.Plans;

/// <summary>
/// A worked course shaped like the demo cohort's (seeds/demo-cohort.json, DEMO-0001): registered two days before the
/// first infusion, baseline PHQ-9, GAD-7 and C-SSRS that afternoon, six IV infusions three a week over 12 days, then a
/// maintenance booster four weeks after the sixth. Day 0 is the first infusion's date (UTC).
/// </summary>
internal static class PlanTimelines
{
    public static readonly DateTimeOffset Day0 = new(2026, 3, 4, 0, 0, 0, TimeSpan.Zero);

    public static DateTimeOffset D(double day, int hour = 0, int minute = 0) => Day0.AddDays(day).AddHours(hour).AddMinutes(minute);

    public static Guid Id(int n) => new($"00000000-0000-0000-0000-{n:D12}");

    public static readonly DateTimeOffset RegisteredAt = D(-2, 10);

    /// <summary>Infusions 1–6 (ids 1–6) and the booster (id 7).</summary>
    public static ScheduleInfusion[] Infusions =>
    [
        new(Id(1), D(0, 14)), new(Id(2), D(2, 9)), new(Id(3), D(4, 9)), new(Id(4), D(7, 14)), new(Id(5), D(9, 13)),
        new(Id(6), D(11, 14)), new(Id(7), D(39, 10)),
    ];

    /// <summary>
    /// Baseline (ids 101–103); PHQ-9s 24 h after infusions 1, 2, 4 and 6 (ids 111–114), none after 3 and 5; a GAD-7 the
    /// day after the sixth (121); a PHQ-9 on day 27 (131). Only the baseline C-SSRS.
    /// </summary>
    public static ScheduleAssessment[] Assessments =>
    [
        new(Id(101), PlanInstrument.Phq9, D(-2, 15)), new(Id(102), PlanInstrument.Gad7, D(-2, 15)), new(Id(103), PlanInstrument.Cssrs, D(-2, 15, 4)),
        new(Id(111), PlanInstrument.Phq9, D(1, 14)), new(Id(112), PlanInstrument.Phq9, D(3, 9)),
        new(Id(113), PlanInstrument.Phq9, D(8, 14)), new(Id(114), PlanInstrument.Phq9, D(12, 14)),
        new(Id(121), PlanInstrument.Gad7, D(12, 12)),
        new(Id(131), PlanInstrument.Phq9, D(27, 11)),
    ];

    public static DueSchedule Course() => new(RegisteredAt, Infusions, Assessments);

    /// <summary>An occurrence as the tables write it: rule, dueAt, status and, when completed, the assessment's number.</summary>
    public static string Row(DueOccurrence o) =>
        $"{o.RuleId} {Days(o.DueAt)} {WireNames.Of(o.Status)}{(o.CompletedBy is { } by ? $" by {int.Parse(by.ToString()[^12..])}" : "")}";

    /// <summary>"d5 09:00", days from <see cref="Day0"/>.</summary>
    public static string Days(DateTimeOffset t)
    {
        var span = t - Day0;
        var day = (int)Math.Floor(span.TotalDays);
        return $"d{day} {span - TimeSpan.FromDays(day):hh\\:mm}";
    }
}
