using System.Text.Json.Serialization;

namespace KetamineOutcomes.Core.Safety;

/// <summary>C-SSRS screener Q6: suicidal behaviour and how recent it was.</summary>
public enum SuicidalBehavior
{
    [JsonStringEnumMemberName("none")] None,
    [JsonStringEnumMemberName("over-3-months-ago")] Over3MonthsAgo,
    [JsonStringEnumMemberName("within-3-months")] Within3Months,
}

/// <summary>Risk level of a check-in (Columbia triage guidance).</summary>
public enum RiskLevel
{
    [JsonStringEnumMemberName("none")] None,
    [JsonStringEnumMemberName("low")] Low,
    [JsonStringEnumMemberName("moderate")] Moderate,
    [JsonStringEnumMemberName("high")] High,
}

/// <summary>Answers of the C-SSRS screener. Q3–Q5 are asked only when Q2 is yes.</summary>
public sealed record CssrsAnswers(
    bool WishToBeDead,
    bool SuicidalThoughts,
    bool? ThoughtsOfMethod,
    bool? Intent,
    bool? Plan,
    SuicidalBehavior SuicidalBehavior);

/// <summary>The SPEC's C-SSRS rules.</summary>
public static class CssrsRules
{
    /// <summary>Q3–Q5 must be absent or false when Q2 is false.</summary>
    public static void Validate(CssrsAnswers answers, ValidationErrors errors)
    {
        if (answers.SuicidalThoughts) return;
        const string why = "Asked only when suicidalThoughts is true; must be absent or false otherwise.";
        if (answers.ThoughtsOfMethod == true) errors.Add("thoughtsOfMethod", why);
        if (answers.Intent == true) errors.Add("intent", why);
        if (answers.Plan == true) errors.Add("plan", why);
    }

    /// <summary>
    /// high if Q4 or Q5 or Q6 within 3 months; else moderate if Q3 or Q6 over 3 months ago;
    /// else low if Q1 or Q2; else none.
    /// </summary>
    public static RiskLevel RiskOf(CssrsAnswers a)
    {
        if (a.Intent == true || a.Plan == true || a.SuicidalBehavior == SuicidalBehavior.Within3Months)
            return RiskLevel.High;
        if (a.ThoughtsOfMethod == true || a.SuicidalBehavior == SuicidalBehavior.Over3MonthsAgo)
            return RiskLevel.Moderate;
        if (a.WishToBeDead || a.SuicidalThoughts)
            return RiskLevel.Low;
        return RiskLevel.None;
    }
}
