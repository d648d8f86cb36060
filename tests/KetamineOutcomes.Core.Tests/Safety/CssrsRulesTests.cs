using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Safety;

namespace KetamineOutcomes.Core.Tests.Safety;

public class CssrsRulesTests
{
    private const SuicidalBehavior None = SuicidalBehavior.None;
    private const SuicidalBehavior Old = SuicidalBehavior.Over3MonthsAgo;
    private const SuicidalBehavior Recent = SuicidalBehavior.Within3Months;

    [Theory]
    // Q1, Q2, Q3, Q4, Q5, Q6 → risk
    [InlineData(false, false, null, null, null, None, RiskLevel.None)]
    [InlineData(false, false, false, false, false, None, RiskLevel.None)]
    [InlineData(true, false, null, null, null, None, RiskLevel.Low)]
    [InlineData(false, true, false, false, false, None, RiskLevel.Low)]
    [InlineData(true, true, null, null, null, None, RiskLevel.Low)]
    [InlineData(false, true, true, false, false, None, RiskLevel.Moderate)]
    [InlineData(false, false, null, null, null, Old, RiskLevel.Moderate)]
    [InlineData(true, false, null, null, null, Old, RiskLevel.Moderate)]
    [InlineData(false, true, false, true, false, None, RiskLevel.High)]
    [InlineData(false, true, false, false, true, None, RiskLevel.High)]
    [InlineData(false, false, null, null, null, Recent, RiskLevel.High)]
    [InlineData(true, true, true, true, true, Recent, RiskLevel.High)]
    public void Risk_level_follows_Columbia_triage(bool q1, bool q2, bool? q3, bool? q4, bool? q5, SuicidalBehavior q6, RiskLevel expected) =>
        Assert.Equal(expected, CssrsRules.RiskOf(new CssrsAnswers(q1, q2, q3, q4, q5, q6)));

    [Theory]
    [InlineData(true, null, null, "thoughtsOfMethod")]
    [InlineData(null, true, null, "intent")]
    [InlineData(null, null, true, "plan")]
    public void Follow_up_questions_answered_yes_without_suicidal_thoughts_are_refused(bool? q3, bool? q4, bool? q5, string field)
    {
        var errors = new ValidationErrors();
        CssrsRules.Validate(new CssrsAnswers(true, false, q3, q4, q5, None), errors);
        Assert.Equal([field], errors.ToDictionary().Keys);
    }

    [Fact]
    public void Follow_up_questions_false_or_absent_without_suicidal_thoughts_are_accepted()
    {
        var errors = new ValidationErrors();
        CssrsRules.Validate(new CssrsAnswers(false, false, false, null, false, None), errors);
        Assert.True(errors.IsEmpty);
    }

    [Theory]
    [InlineData(RiskLevel.None, null)]
    [InlineData(RiskLevel.Low, AlertLevel.Low)]
    [InlineData(RiskLevel.Moderate, AlertLevel.Moderate)]
    [InlineData(RiskLevel.High, AlertLevel.High)]
    public void Checkin_alerts_at_its_risk_level(RiskLevel risk, AlertLevel? expected) =>
        Assert.Equal(expected, SafetyAlertRules.ForCheckin(risk));
}
