using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;

namespace KetamineOutcomes.Core.Tests.Instruments;

public class QuestionnaireScoringTests
{
    [Theory]
    [InlineData(0, Severity.Minimal)]
    [InlineData(4, Severity.Minimal)]
    [InlineData(5, Severity.Mild)]
    [InlineData(9, Severity.Mild)]
    [InlineData(10, Severity.Moderate)]
    [InlineData(14, Severity.Moderate)]
    [InlineData(15, Severity.ModeratelySevere)]
    [InlineData(19, Severity.ModeratelySevere)]
    [InlineData(20, Severity.Severe)]
    [InlineData(27, Severity.Severe)]
    public void Phq9_band_boundaries_follow_Kroenke_2001(int total, Severity expected) =>
        Assert.Equal(expected, InstrumentDefinition.Phq9.SeverityOf(total));

    [Theory]
    [InlineData(0, Severity.Minimal)]
    [InlineData(4, Severity.Minimal)]
    [InlineData(5, Severity.Mild)]
    [InlineData(9, Severity.Mild)]
    [InlineData(10, Severity.Moderate)]
    [InlineData(14, Severity.Moderate)]
    [InlineData(15, Severity.Severe)]
    [InlineData(21, Severity.Severe)]
    public void Gad7_band_boundaries_have_no_moderately_severe(int total, Severity expected) =>
        Assert.Equal(expected, InstrumentDefinition.Gad7.SeverityOf(total));

    [Theory]
    // items, expected total, prorated
    [InlineData(new[] { 2, 2, 2, 2, 1, 1, 2, 0, 0 }, 12, false)]
    [InlineData(new[] { 3, 3, 3, 3, 3, 3, 3, 3, 3 }, 27, false)]
    [InlineData(new[] { 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 0, false)]
    // one null: sum 12 over 8 answered → 12 × 9 / 8 = 13.5 → 14 (half up)
    [InlineData(new[] { -1, 2, 2, 2, 1, 1, 2, 2, 0 }, 14, true)]
    // two nulls: sum 10 over 7 → 90 / 7 = 12.857 → 13
    [InlineData(new[] { -1, -1, 2, 2, 1, 1, 2, 2, 0 }, 13, true)]
    // two nulls: sum 7 over 7 → 9 exactly
    [InlineData(new[] { 1, 1, 1, 1, 1, 1, -1, -1, 1 }, 9, true)]
    // two nulls, all answered 3 → 27, never above the maximum
    [InlineData(new[] { 3, 3, 3, 3, 3, 3, -1, -1, 3 }, 27, true)]
    public void Phq9_total_is_sum_or_prorated_half_up(int[] raw, int total, bool prorated)
    {
        var score = QuestionnaireScoring.Score(Instrument.Phq9, Items(raw));
        Assert.Equal(total, score.Total);
        Assert.Equal(prorated, score.Prorated);
    }

    [Theory]
    // GAD-7 one null: sum 9 over 6 → 63 / 6 = 10.5 → 11
    [InlineData(new[] { -1, 2, 2, 2, 1, 1, 1 }, 11, true)]
    [InlineData(new[] { 1, 2, 2, 2, 1, 1, 1 }, 10, false)]
    public void Gad7_total_is_sum_or_prorated_half_up(int[] raw, int total, bool prorated)
    {
        var score = QuestionnaireScoring.Score(Instrument.Gad7, Items(raw));
        Assert.Equal(total, score.Total);
        Assert.Equal(prorated, score.Prorated);
    }

    [Fact]
    public void Phq9_with_two_nulls_is_accepted_and_three_nulls_refused()
    {
        Assert.Empty(Errors(Instrument.Phq9, [-1, -1, 1, 1, 1, 1, 1, 1, 0]));
        var errors = Errors(Instrument.Phq9, [-1, -1, -1, 1, 1, 1, 1, 1, 0]);
        Assert.Equal(["items"], errors.Keys);
    }

    [Fact]
    public void Gad7_with_one_null_is_accepted_and_two_nulls_refused()
    {
        Assert.Empty(Errors(Instrument.Gad7, [-1, 1, 1, 1, 1, 1, 1]));
        Assert.Equal(["items"], Errors(Instrument.Gad7, [-1, -1, 1, 1, 1, 1, 1]).Keys);
    }

    [Fact]
    public void Phq9_item9_null_is_refused_under_its_own_key_even_within_the_null_allowance()
    {
        var errors = Errors(Instrument.Phq9, [1, 1, 1, 1, 1, 1, 1, 1, -1]);
        Assert.Equal(["items[8]"], errors.Keys);
    }

    [Theory]
    [InlineData(3, "items[3]", 4)]
    [InlineData(0, "items[0]", -2)]
    public void Out_of_range_answer_is_keyed_by_its_zero_based_index(int index, string key, int value)
    {
        var raw = new[] { 1, 1, 1, 1, 1, 1, 1, 1, 1 };
        raw[index] = value;
        Assert.Equal([key], Errors(Instrument.Phq9, raw).Keys);
    }

    [Theory]
    [InlineData(Instrument.Phq9, 8)]
    [InlineData(Instrument.Phq9, 10)]
    [InlineData(Instrument.Gad7, 9)]
    [InlineData(Instrument.Gad7, 0)]
    public void Wrong_item_count_is_refused(Instrument instrument, int count)
    {
        var errors = new ValidationErrors();
        QuestionnaireScoring.Validate(instrument, Enumerable.Repeat<int?>(1, count).ToArray(), null, errors);
        Assert.Equal(["items"], errors.ToDictionary().Keys);
    }

    [Fact]
    public void Difficulty_is_accepted_for_phq9_only_and_between_0_and_3()
    {
        var items = Items([1, 1, 1, 1, 1, 1, 1, 1, 1]);
        var ok = new ValidationErrors();
        QuestionnaireScoring.Validate(Instrument.Phq9, items, 3, ok);
        Assert.True(ok.IsEmpty);
        var high = new ValidationErrors();
        QuestionnaireScoring.Validate(Instrument.Phq9, items, 4, high);
        Assert.Equal(["difficulty"], high.ToDictionary().Keys);
        var gad = new ValidationErrors();
        QuestionnaireScoring.Validate(Instrument.Gad7, Items([1, 1, 1, 1, 1, 1, 1]), 1, gad);
        Assert.Equal(["difficulty"], gad.ToDictionary().Keys);
    }

    [Fact]
    public void Scoring_invalid_answers_throws_instead_of_guessing() =>
        Assert.Throws<ClinicalValidationException>(() => QuestionnaireScoring.Score(Instrument.Phq9, Items([1, 1, 1, 1, 1, 1, 1, 1, -1])));

    [Theory]
    [InlineData(3, 2, 2)]    // 1.5 → 2
    [InlineData(5, 2, 3)]    // 2.5 → 3
    [InlineData(7, 2, 4)]    // 3.5 → 4
    [InlineData(9, 4, 2)]    // 2.25 → 2
    [InlineData(11, 4, 3)]   // 2.75 → 3
    public void HalfUp_rounds_halves_up(int numerator, int denominator, int expected) => Assert.Equal(expected, Rounding.HalfUp(numerator, denominator));

    internal static int?[] Items(int[] raw) => raw.Select(v => v == -1 ? (int?)null : v).ToArray();

    private static IReadOnlyDictionary<string, string[]> Errors(Instrument instrument, int[] raw)
    {
        var errors = new ValidationErrors();
        QuestionnaireScoring.Validate(instrument, Items(raw), null, errors);
        return errors.ToDictionary();
    }
}
