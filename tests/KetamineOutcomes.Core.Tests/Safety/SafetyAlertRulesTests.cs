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

    [Fact]
    public void Gad7_never_raises_an_alert() =>
        Assert.Null(SafetyAlertRules.ForQuestionnaire(Instrument.Gad7, [3, 3, 3, 3, 3, 3, 3]));

    [Fact]
    public void Phq9_with_null_item9_throws_rather_than_silently_not_alerting() =>
        Assert.Throws<ArgumentException>(() => SafetyAlertRules.ForQuestionnaire(Instrument.Phq9, [0, 0, 0, 0, 0, 0, 0, 0, null]));
}
