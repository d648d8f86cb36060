using KetamineOutcomes.Core.Plans;
using KetamineOutcomes.Core.Research;

namespace KetamineOutcomes.Core.Tests.Research;

public class AdherenceAccumulatorTests
{
    private static readonly DateTimeOffset Day0 = new(2026, 3, 4, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset At = Day0.AddDays(30);

    private static long D(double days) => Day0.AddDays(days).UtcTicks;

    // Enrolment (window 7 days) and 24 h after every infusion (window 24 h), PHQ-9 only.
    private static readonly PlanHistory Plan = PlanHistory.Of(new MeasurementPlan(1, [
        new EnrolmentRule("enrolment", PlanInstrument.Phq9, WindowDays: 7),
        new AfterInfusionRule("after", PlanInstrument.Phq9, OffsetHours: 24, WindowHours: 24, Sessions: null),
    ]));

    private static AdherenceAccumulator New() => new(PlanInstrument.Phq9, At, _ => Plan);

    [Fact]
    public void Worked_cohort_counts_closed_and_completed_occurrences_of_every_patient_including_those_who_never_answered()
    {
        var acc = New();
        // 12 patients registered day 0, infusions days 1 and 3: occurrences enrolment [d0, d7], after 1 [d2, d3],
        // after 2 [d4, d5], all closed by day 30. One PHQ-9 on day 2 completes enrolment and after 1 (rules do not share
        // out assessments; d2 is after 1's first instant, inclusive); after 2 is missed: 2 of 3.
        for (var i = 0; i < 12; i++) acc.Add("north", D(0), [D(1), D(3)], [D(2)]);
        // 12 patients alike who never answered: 0 of 3.
        for (var i = 0; i < 12; i++) acc.Add("north", D(0), [D(1), D(3)], []);
        // Registered on day 29, nothing closed or completed yet: no occurrence due, not counted.
        acc.Add("north", D(29), [], []);

        Assert.Equal(new CohortAdherence(Math.Round(24.0 / 72, 4), false), acc.Finish(11));
    }

    [Fact]
    public void An_open_window_counts_only_once_completed_and_an_assessment_after_the_window_completes_nothing()
    {
        var acc = New();
        // Registered day 25: enrolment [d25, d32] still open at day 30. Infusion day 26: after [d27, d28] closed.
        // Half answer on day 27 12:00 (completes both); half on day 28 12:00 (enrolment only; after 1 missed by 12 h).
        for (var i = 0; i < 11; i++) acc.Add(null, D(25), [D(26)], [D(27.5)]);
        for (var i = 0; i < 11; i++) acc.Add(null, D(25), [D(26)], [D(28.5)]);
        // due: 22 + 22 (enrolment completed by everyone, after closed for everyone) = 44; completed 22 + 11 = 33.
        Assert.Equal(new CohortAdherence(0.75, false), acc.Finish(11));
    }

    [Theory]
    // Groups of patients "n x due/completed" → published?
    [InlineData("11x3/3", true)]          // everyone adherent: no patient missed anything (0 may be shown)
    [InlineData("11x3/0", true)]          // nobody adherent
    [InlineData("10x3/3", false)]         // k − 1 patients with anything due
    [InlineData("11x3/3 11x1/0", true)]   // 11 patients completed something, 11 missed something
    [InlineData("12x3/3 10x2/0", false)]  // 10 patients missed (20 missed occurrences would pass alone)
    [InlineData("10x3/3 12x2/0", false)]  // 10 patients completed
    [InlineData("11x2/1", true)]          // every patient on both sides
    public void Rate_is_published_only_when_at_least_k_patients_count_and_those_completing_and_missing_are_each_0_or_at_least_k(
        string groups, bool published)
    {
        var acc = New();
        var (due, completed) = (0, 0);
        foreach (var group in groups.Split(' '))
        {
            var n = int.Parse(group[..group.IndexOf('x')]);
            var counts = group[(group.IndexOf('x') + 1)..].Split('/').Select(int.Parse).ToArray();
            for (var i = 0; i < n; i++) acc.Add(new PlanAdherence(PlanInstrument.Phq9, counts[0], counts[1], null));
            (due, completed) = (due + n * counts[0], completed + n * counts[1]);
        }
        var result = acc.Finish(11);
        Assert.Equal(!published, result.RateSuppressed);
        Assert.Equal(published ? Math.Round((double)completed / due, 4) : null, result.Rate);
    }

    [Fact]
    public void Merged_partitions_give_the_same_rate_as_one_pass()
    {
        var one = New();
        var (a, b) = (New(), New());
        for (var i = 0; i < 30; i++)
        {
            long[] answers = i % 3 == 0 ? [] : [D(2)];
            one.Add("north", D(0), [D(1), D(3)], answers);
            (i % 2 == 0 ? a : b).Add("north", D(0), [D(1), D(3)], answers);
        }
        a.Merge(b);
        Assert.Equal(one.Finish(11), a.Finish(11));
    }

    [Fact]
    public void Each_patient_is_scheduled_under_its_own_sites_plan()
    {
        // Site "weekly" asks only for a PHQ-9 at enrolment; every other site has Plan above.
        var enrolmentOnly = PlanHistory.Of(new MeasurementPlan(1, [new EnrolmentRule("enrolment", PlanInstrument.Phq9, WindowDays: 7)]));
        var acc = new AdherenceAccumulator(PlanInstrument.Phq9, At, site => site == "weekly" ? enrolmentOnly : Plan);
        for (var i = 0; i < 11; i++) acc.Add("weekly", D(0), [D(1), D(3)], [D(2)]); // 1 of 1
        for (var i = 0; i < 11; i++) acc.Add("north", D(0), [D(1), D(3)], [D(2)]);  // 2 of 3
        Assert.Equal(new CohortAdherence(Math.Round(33.0 / 44, 4), false), acc.Finish(11));
    }

    [Fact]
    public void A_cohort_with_nothing_due_has_no_rate_and_nothing_withheld()
    {
        var acc = New();
        acc.Add(null, D(29.5), [], []);
        Assert.Equal(new CohortAdherence(null, false), acc.Finish(11));
    }
}
