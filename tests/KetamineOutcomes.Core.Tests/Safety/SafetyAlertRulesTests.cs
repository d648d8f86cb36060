using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Safety;

namespace KetamineOutcomes.Core.Tests.Safety;

public class SafetyAlertRulesTests
{
    [Theory]
    [InlineData(0, null)]
    [InlineData(1, AlertLevel.Low)]
    [InlineData(2, AlertLevel.Moderate)]
    [InlineData(3, AlertLevel.High)]
    public void Phq9_item9_maps_to_alert_level(int item9, AlertLevel? expected)
    {
        int?[] items = [0, 0, 0, 0, 0, 0, 0, 0, item9];
        Assert.Equal(expected, SafetyAlertRules.ForQuestionnaire(Instrument.Phq9, items));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void The_alert_level_and_the_triggering_answers_read_the_same_item_9(int item9)
    {
        // Every other answer differs from item 9, so reading the wrong index shows.
        int?[] items = [3 - item9, 3 - item9, 3 - item9, 3 - item9, 3 - item9, 3 - item9, 3 - item9, 3 - item9, item9];
        Assert.Equal(item9, QuestionnaireScoring.Phq9Item9(Instrument.Phq9, items));
        var level = SafetyAlertRules.ForQuestionnaire(Instrument.Phq9, items);
        var answers = TriggeringAnswers.ForPhq9Item9(QuestionnaireScoring.Phq9Item9(Instrument.Phq9, items));
        Assert.Equal(level is null ? [] : new int?[] { item9 }, answers.Select(a => a.Score));
        Assert.Equal((AlertLevel?)(item9 == 0 ? null : (AlertLevel)item9), level);
    }

    [Fact]
    public void Gad7_has_no_item_9_and_never_raises_an_alert() =>
        Assert.Null(QuestionnaireScoring.Phq9Item9(Instrument.Gad7, [3, 3, 3, 3, 3, 3, 3]));

    [Fact]
    public void Gad7_never_raises_an_alert() =>
        Assert.Null(SafetyAlertRules.ForQuestionnaire(Instrument.Gad7, [3, 3, 3, 3, 3, 3, 3]));

    [Fact]
    public void Phq9_with_null_item9_throws_rather_than_silently_not_alerting() =>
        Assert.Throws<ArgumentException>(() => SafetyAlertRules.ForQuestionnaire(Instrument.Phq9, [0, 0, 0, 0, 0, 0, 0, 0, null]));
}
