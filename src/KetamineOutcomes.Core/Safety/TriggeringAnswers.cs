using System.Globalization;
using KetamineOutcomes.Core.Instruments;

namespace KetamineOutcomes.Core.Safety;

/// <summary>One answer that raised a safety alert, worded as the patient was asked.</summary>
/// <param name="Field">The submission's field that holds it: <c>items[8]</c> (PHQ-9 item 9) or a C-SSRS answer (<c>wishToBeDead</c>, <c>suicidalThoughts</c>, <c>thoughtsOfMethod</c>, <c>intent</c>, <c>plan</c>, <c>suicidalBehavior</c>).</param>
/// <param name="Question">The question's wording (PHQ-9 item 9; C-SSRS screener, past month).</param>
/// <param name="Answer">The answer in words, e.g. "More than half the days" or "Yes, within the past 3 months".</param>
/// <param name="Score">The item's score (0–3) for PHQ-9 item 9; null for C-SSRS yes/no answers.</param>
public sealed record TriggeringAnswer(string Field, string Question, string Answer, int? Score);

/// <summary>
/// The answers behind an alert (SPEC "Safety alerts": PHQ-9 item 9 ≥ 1, or a C-SSRS risk above none), so a clinician
/// reads what the patient said, not only a level.
/// </summary>
public static class TriggeringAnswers
{
    /// <summary>PHQ-9 item 9's wording (LOINC 44260-8).</summary>
    public const string Phq9Item9Question = "Thoughts that you would be better off dead, or of hurting yourself";

    /// <summary>C-SSRS screener wording (Columbia, screen version, past month), by API field.</summary>
    public const string WishToBeDeadQuestion = "Have you wished you were dead or wished you could go to sleep and not wake up?",
        SuicidalThoughtsQuestion = "Have you actually had any thoughts of killing yourself?",
        ThoughtsOfMethodQuestion = "Have you been thinking about how you might do this?",
        IntentQuestion = "Have you had these thoughts and had some intention of acting on them?",
        PlanQuestion = "Have you started to work out or worked out the details of how to kill yourself? Do you intend to carry out this plan?",
        SuicidalBehaviorQuestion = "Have you ever done anything, started to do anything, or prepared to do anything to end your life?";

    /// <summary>PHQ-9 item 9 with its score and answer wording (LOINC LL358-3); empty for 0 or unanswered, which never alert.</summary>
    public static IReadOnlyList<TriggeringAnswer> ForPhq9Item9(int? item9) => item9 is { } score && SafetyAlertRules.ForPhq9Item9(score) is not null
        ? [new($"items[{QuestionnaireScoring.Phq9SafetyItemIndex.ToString(CultureInfo.InvariantCulture)}]", Phq9Item9Question,
            Loinc.FrequencyCodes[score].Display, score)]
        : [];

    /// <summary>Every "yes" of a C-SSRS screener in question order (the risk level is computed from these).</summary>
    public static IReadOnlyList<TriggeringAnswer> ForCheckin(CssrsAnswers a)
    {
        var answers = new List<TriggeringAnswer>();
        void Yes(bool? value, string field, string question)
        {
            if (value == true) answers.Add(new(field, question, "Yes", null));
        }
        Yes(a.WishToBeDead, "wishToBeDead", WishToBeDeadQuestion);
        Yes(a.SuicidalThoughts, "suicidalThoughts", SuicidalThoughtsQuestion);
        Yes(a.ThoughtsOfMethod, "thoughtsOfMethod", ThoughtsOfMethodQuestion);
        Yes(a.Intent, "intent", IntentQuestion);
        Yes(a.Plan, "plan", PlanQuestion);
        if (a.SuicidalBehavior != SuicidalBehavior.None)
        {
            answers.Add(new("suicidalBehavior", SuicidalBehaviorQuestion,
                a.SuicidalBehavior == SuicidalBehavior.Within3Months ? "Yes, within the past 3 months" : "Yes, over 3 months ago", null));
        }
        return answers;
    }
}
