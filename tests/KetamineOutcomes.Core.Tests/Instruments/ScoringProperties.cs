using CsCheck;
using KetamineOutcomes.Core.Instruments;

namespace KetamineOutcomes.Core.Tests.Instruments;

public class ScoringProperties
{
    private static Gen<(Instrument, int?[])> ValidSubmission =>
        from instrument in Gen.OneOf(Instrument.Phq9, Instrument.Gad7)
        let def = InstrumentDefinition.For(instrument)
        from answers in Gen.Int[0, 3].Array[def.ItemCount]
        from missing in Gen.Int[0, def.MaxMissingItems]
        from nullAt in Gen.Int[0, def.ItemCount - 1].Array[missing]
        select (instrument, Apply(instrument, answers, nullAt));

    private static int?[] Apply(Instrument instrument, int[] answers, int[] nullAt)
    {
        var items = answers.Select(a => (int?)a).ToArray();
        // PHQ-9 item 9 may never be null: move such a null to item 1.
        foreach (var i in nullAt) items[instrument == Instrument.Phq9 && i == 8 ? 0 : i] = null;
        return items;
    }

    [Fact]
    public void Total_is_always_within_the_instrument_range_and_banded_consistently() =>
        ValidSubmission.Sample(s =>
        {
            var (instrument, items) = s;
            var def = InstrumentDefinition.For(instrument);
            var score = QuestionnaireScoring.Score(instrument, items);
            return score.Total >= 0 && score.Total <= def.MaxTotal && score.Severity == def.SeverityOf(score.Total);
        });

    [Fact]
    public void Prorated_total_is_the_mean_of_answered_items_scaled_and_rounded_half_up() =>
        ValidSubmission.Sample(s =>
        {
            var (instrument, items) = s;
            var def = InstrumentDefinition.For(instrument);
            var answered = items.Where(i => i.HasValue).Select(i => i!.Value).ToArray();
            var score = QuestionnaireScoring.Score(instrument, items);
            var exact = (decimal)answered.Sum() * def.ItemCount / answered.Length;
            var expected = (int)Math.Round(exact, MidpointRounding.AwayFromZero);
            return score.Total == expected && score.Prorated == (answered.Length < def.ItemCount);
        });

    [Fact]
    public void Raising_one_answer_never_lowers_the_total() =>
        ValidSubmission.Select(Gen.Int[0, 8]).Sample((s, pick) =>
        {
            var (instrument, items) = s;
            var index = pick % items.Length;
            if (items[index] is not { } v || v == 3) return true;
            var higher = (int?[])items.Clone();
            higher[index] = v + 1;
            return QuestionnaireScoring.Score(instrument, higher).Total >= QuestionnaireScoring.Score(instrument, items).Total;
        });
}
