using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Timepoints;
using KetamineOutcomes.Core.Trends;
using static KetamineOutcomes.Core.Tests.Timepoints.InfusionTimelineTests;

namespace KetamineOutcomes.Core.Tests.Trends;

/// <summary>Who is on the response watch and in which order (SPEC v2 "Response durability"; <see cref="ResponseWatch"/>).</summary>
public class ResponseWatchTests
{
    private static readonly InfusionTimeline ThreeInfusions = new(
        Enumerable.Range(1, 3).Select(n => new InfusionMoment(Id(n), T0.AddDays(2 * (n - 1)))));

    private static int _next = 900;

    private static ScoredAssessment At(double days, int total) =>
        new(Id(Interlocked.Increment(ref _next)), T0.AddDays(days), total, InstrumentDefinition.Phq9.SeverityOf(total), false);

    private static WatchEntry? Watch(params ScoredAssessment[] assessments) =>
        ResponseWatch.Of(TrendCalculator.Compute(Instrument.Phq9, ThreeInfusions, assessments));

    [Fact]
    public void A_latest_total_above_half_of_baseline_after_a_response_is_a_loss_of_response_naming_the_episode()
    {
        var response = At(3, 9);
        var loss = At(10, 13);
        var entry = Watch(At(-1, 20), response, loss)!;
        Assert.Equal(WatchKind.LossOfResponse, entry.Kind);
        Assert.Equal(response.QuestionnaireId, entry.EpisodeStart.QuestionnaireId);
        Assert.Equal((loss.QuestionnaireId, 13, 3, 6), (entry.Setback.QuestionnaireId, entry.Setback.TotalScore, entry.Setback.SessionNumber, entry.Setback.DaysSinceLastInfusion));
        Assert.Equal((20, loss.QuestionnaireId), (entry.Baseline.TotalScore, entry.Latest.QuestionnaireId));
    }

    [Fact]
    public void A_patient_still_above_half_of_baseline_after_the_loss_stays_on_the_watch_with_the_first_setback()
    {
        var loss = At(10, 13);
        var later = At(14, 16);
        var entry = Watch(At(-1, 20), At(3, 9), loss, later)!;
        Assert.Equal((loss.QuestionnaireId, later.QuestionnaireId), (entry.Setback.QuestionnaireId, entry.Latest.QuestionnaireId));
    }

    [Fact]
    public void A_new_response_after_a_loss_takes_the_patient_off_the_watch() =>
        Assert.Null(Watch(At(-1, 20), At(3, 9), At(10, 13), At(14, 8)));

    [Fact]
    public void A_response_that_holds_a_non_responder_and_a_non_evaluable_patient_are_not_on_the_watch()
    {
        Assert.Null(Watch(At(-1, 20), At(3, 9), At(10, 10)));   // 10 ≤ 50 % of 20: holds
        Assert.Null(Watch(At(-1, 20), At(3, 15), At(10, 18))); // never a response: nothing was lost
        Assert.Null(Watch(At(-1, 8), At(3, 2), At(10, 7)));    // baseline below 10
    }

    [Fact]
    public void A_total_of_ten_or_more_after_remission_is_a_relapse_even_while_it_is_still_a_response()
    {
        var remission = At(3, 4);
        var relapse = At(10, 12); // 12 ≤ 50 % of 24: still a response, but back in the depressive range
        var entry = Watch(At(-1, 24), remission, relapse)!;
        Assert.Equal((WatchKind.Relapse, remission.QuestionnaireId, relapse.QuestionnaireId),
            (entry.Kind, entry.EpisodeStart.QuestionnaireId, entry.Setback.QuestionnaireId));
    }

    /// <summary>
    /// Worked cases after a relapse. Totals are on days 3, 10, 12, 14 after a baseline the day before the first infusion;
    /// <paramref name="expected"/> is "kind start setback" as indexes into <paramref name="totals"/>, or "none".
    /// </summary>
    [Theory]
    [InlineData(14, new[] { 3, 12, 9 }, "relapse 0 1")]          // 9 > 7: the response lost at the 12 has not come back — still that relapse
    [InlineData(12, new[] { 4, 14, 7 }, "relapse 0 1")]          // 7 > 6: likewise
    [InlineData(14, new[] { 3, 12, 7 }, "none")]                 // 7 ≤ 7: a response again, off the watch
    [InlineData(24, new[] { 4, 12, 9 }, "none")]                 // relapse at 12 while still a response (12 ≤ 12); 9 < 10 and responding
    [InlineData(10, new[] { 4, 6, 10, 7 }, "relapse 0 2")]       // loss at 6, relapse at 10, then 7 (> 5): the relapse, not the earlier loss
    [InlineData(16, new[] { 3, 12, 8, 9 }, "loss-of-response 2 3")] // response regained at 8 (≤ 8) and lost at 9: a new setback
    [InlineData(20, new[] { 3, 12, 14 }, "relapse 0 1")]         // still ≥ 10
    public void A_relapse_stays_the_entry_while_the_patient_is_still_in_that_setback(int baseline, int[] totals, string expected)
    {
        double[] days = [3, 10, 12, 14];
        var points = totals.Select((t, i) => At(days[i], t)).ToArray();
        var entry = Watch([At(-1, baseline), .. points]);
        var actual = entry is null ? "none"
            : $"{WireNames.Of(entry.Kind)} {Array.FindIndex(points, p => p.QuestionnaireId == entry.EpisodeStart.QuestionnaireId)} {Array.FindIndex(points, p => p.QuestionnaireId == entry.Setback.QuestionnaireId)}";
        Assert.Equal(expected, actual);
        if (entry is not null) Assert.Equal(points[^1].QuestionnaireId, entry.Latest.QuestionnaireId);
    }

    [Fact]
    public void Urgency_puts_relapses_first_then_the_largest_share_of_baseline_then_the_oldest_setback()
    {
        static WatchEntry Entry(WatchKind kind, int baseline, int latest, int setbackDay) => new(Instrument.Phq9, kind,
            new ScoreRef(Guid.Empty, T0, baseline), new Milestone(Guid.Empty, T0, 1, 1, 0),
            new Setback(Guid.Empty, T0.AddDays(setbackDay), latest, 1, setbackDay, setbackDay), new ScoreRef(Guid.Empty, T0.AddDays(setbackDay), latest));
        var relapse = Entry(WatchKind.Relapse, 20, 10, 30);
        var backAtBaseline = Entry(WatchKind.LossOfResponse, 12, 12, 30); // 100 %
        var twoThirdsOld = Entry(WatchKind.LossOfResponse, 15, 10, 5);     // 66.7 %, waiting since day 5
        var twoThirdsNew = Entry(WatchKind.LossOfResponse, 24, 16, 20);    // 66.7 % exactly as well, since day 20
        var slight = Entry(WatchKind.LossOfResponse, 20, 11, 1);           // 55 %
        WatchEntry[] shuffled = [slight, twoThirdsNew, backAtBaseline, relapse, twoThirdsOld];
        Assert.Equal([relapse, backAtBaseline, twoThirdsOld, twoThirdsNew, slight], shuffled.Order(Comparer<WatchEntry>.Create(ResponseWatch.CompareUrgency)));
        Assert.Equal(66.7m, ResponseWatch.PercentOfBaseline(twoThirdsOld));
    }

    [Fact]
    public void The_event_id_is_one_per_setback_whatever_its_kind_and_differs_for_another_setback_patient_or_instrument()
    {
        var patient = Guid.NewGuid();
        var (setback, other) = (Guid.NewGuid(), Guid.NewGuid());
        var id = WatchEventId.For(patient, Instrument.Phq9, setback);
        Assert.Equal(id, WatchEventId.For(patient, Instrument.Phq9, setback));
        Assert.Equal(8, id.Version);
        Assert.Equal(4, new[]
        {
            id, WatchEventId.For(patient, Instrument.Phq9, other), WatchEventId.For(Guid.NewGuid(), Instrument.Phq9, setback),
            WatchEventId.For(patient, Instrument.Gad7, setback),
        }.Distinct().Count());

        // Baseline 14: 3 (remission), 12 (relapse and loss) → the relapse; then 9 → still it. One setback, one id.
        var (remission, relapse) = (At(3, 3), At(10, 12));
        var first = Watch(At(-1, 14), remission, relapse)!;
        var later = Watch(At(-1, 14), remission, relapse, At(12, 9))!;
        Assert.Equal(WatchEventId.For(patient, first.Instrument, first.Setback.QuestionnaireId), WatchEventId.For(patient, later.Instrument, later.Setback.QuestionnaireId));
    }
}
