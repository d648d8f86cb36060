namespace KetamineOutcomes.Core.Instruments;

/// <summary>The score of one submission.</summary>
/// <param name="Total">Sum of answers, prorated when items were missing.</param>
/// <param name="Prorated">True when one or more items were null and the total was prorated.</param>
public sealed record QuestionnaireScore(int Total, Severity Severity, bool Prorated, int AnsweredCount);

/// <summary>Validation and scoring of PHQ-9 / GAD-7 answers (SPEC "Instruments").</summary>
public static class QuestionnaireScoring
{
    /// <summary>Zero-based index of PHQ-9 item 9, the safety item that may never be null.</summary>
    public const int Phq9SafetyItemIndex = 8;

    /// <summary>
    /// PHQ-9 item 9, thoughts of death or self-harm (0–3; null when unanswered), of a submission's answers; null for any
    /// other instrument, which has no safety item. The one place that says which answer is item 9 (SPEC "Safety alerts").
    /// </summary>
    public static int? Phq9Item9(Instrument instrument, IReadOnlyList<int?> items) =>
        instrument == Instrument.Phq9 ? items[Phq9SafetyItemIndex] : null;

    /// <summary>Collects every rule the answers break, keyed <c>items</c>, <c>items[i]</c> or <c>difficulty</c>.</summary>
    public static void Validate(Instrument instrument, IReadOnlyList<int?>? items, int? difficulty, ValidationErrors errors)
    {
        var def = InstrumentDefinition.For(instrument);
        if (difficulty is { } d)
        {
            if (instrument != Instrument.Phq9)
                errors.Add("difficulty", "Only the PHQ-9 has a difficulty question.");
            else if (d is < 0 or > InstrumentDefinition.MaxItemAnswer)
                errors.Add("difficulty", "Must be between 0 and 3.");
        }
        if (items is null)
        {
            errors.Add("items", "Required.");
            return;
        }
        if (items.Count != def.ItemCount)
        {
            errors.Add("items", $"Must hold exactly {def.ItemCount} answers for {Wire(instrument)}; got {items.Count}.");
            return;
        }
        var missing = 0;
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is not { } answer)
            {
                missing++;
                if (instrument == Instrument.Phq9 && i == Phq9SafetyItemIndex)
                    errors.Add($"items[{i}]", "PHQ-9 item 9 is a safety item and may not be null.");
            }
            else if (answer is < 0 or > InstrumentDefinition.MaxItemAnswer)
            {
                errors.Add($"items[{i}]", "Must be between 0 and 3, or null when unanswered.");
            }
        }
        if (missing > def.MaxMissingItems)
            errors.Add("items", $"At most {def.MaxMissingItems} unanswered item(s) allowed for {Wire(instrument)}; got {missing}.");
    }

    /// <summary>Scores answers that passed <see cref="Validate"/>; throws on anything else.</summary>
    public static QuestionnaireScore Score(Instrument instrument, IReadOnlyList<int?> items)
    {
        var errors = new ValidationErrors();
        Validate(instrument, items, null, errors);
        errors.ThrowIfAny();
        var def = InstrumentDefinition.For(instrument);
        int sum = 0, answered = 0;
        foreach (var item in items)
        {
            if (item is not { } a) continue;
            sum += a;
            answered++;
        }
        var prorated = answered < def.ItemCount;
        // Proration: round(sum × itemCount / answeredCount), half up (NHS Data Dictionary).
        var total = prorated ? Rounding.HalfUp(sum * def.ItemCount, answered) : sum;
        return new QuestionnaireScore(total, def.SeverityOf(total), prorated, answered);
    }

    internal static string Wire(Instrument instrument) => instrument == Instrument.Phq9 ? "phq9" : "gad7";
}
