using System.Text.Json.Serialization;
using KetamineOutcomes.Core.Instruments;

namespace KetamineOutcomes.Core.Safety;

public enum AlertLevel
{
    [JsonStringEnumMemberName("low")] Low = 1,
    [JsonStringEnumMemberName("moderate")] Moderate = 2,
    [JsonStringEnumMemberName("high")] High = 3,
}

public enum AlertTrigger
{
    [JsonStringEnumMemberName("phq9-item9")] Phq9Item9,
    [JsonStringEnumMemberName("cssrs")] Cssrs,
}

public enum AlertStatus
{
    [JsonStringEnumMemberName("open")] Open,
    [JsonStringEnumMemberName("acknowledged")] Acknowledged,
}

/// <summary>Which submissions raise a safety alert, and at what level (SPEC "Safety alerts").</summary>
public static class SafetyAlertRules
{
    /// <summary>PHQ-9 item 9 of 1, 2, 3 → low, moderate, high; 0 → none. Other instruments never alert.</summary>
    public static AlertLevel? ForQuestionnaire(Instrument instrument, IReadOnlyList<int?> items)
    {
        if (instrument != Instrument.Phq9) return null;
        var item9 = QuestionnaireScoring.Phq9Item9(instrument, items);
        // Validation refuses a null item 9; reaching here means a caller skipped it.
        return item9 is >= 0 and <= 3
            ? ForPhq9Item9(item9.Value)
            : throw new ArgumentException($"PHQ-9 item 9 must be 0–3, was {(item9 is null ? "null" : item9.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))}.", nameof(items));
    }

    /// <summary>PHQ-9 item 9's score (0–3) → low, moderate, high for 1, 2, 3; null for 0 (and for anything outside 1–3).</summary>
    public static AlertLevel? ForPhq9Item9(int item9) => item9 switch
    {
        1 => AlertLevel.Low,
        2 => AlertLevel.Moderate,
        3 => AlertLevel.High,
        _ => null,
    };

    /// <summary>Any C-SSRS risk above none alerts at that level.</summary>
    public static AlertLevel? ForCheckin(RiskLevel risk) => risk switch
    {
        RiskLevel.Low => AlertLevel.Low,
        RiskLevel.Moderate => AlertLevel.Moderate,
        RiskLevel.High => AlertLevel.High,
        _ => null,
    };
}
