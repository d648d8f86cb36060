namespace KetamineOutcomes.Core.Instruments;

/// <summary>The fixed facts of one instrument (SPEC "Instruments", DOMAIN.md).</summary>
/// <param name="ItemCount">Number of scored items.</param>
/// <param name="MaxMissingItems">Nulls allowed before the submission is refused (then prorated).</param>
/// <param name="ReliableImprovementPoints">NHS Talking Therapies reliable-change threshold.</param>
/// <param name="Bands">Lower bound of each band, ascending.</param>
public sealed record InstrumentDefinition(
    Instrument Instrument,
    int ItemCount,
    int MaxMissingItems,
    int ReliableImprovementPoints,
    IReadOnlyList<(int MinTotal, Severity Severity)> Bands)
{
    /// <summary>Highest answer of any item.</summary>
    public const int MaxItemAnswer = 3;

    /// <summary>Minimal clinically important difference (Löwe 2004); the SPEC uses 5 for both instruments.</summary>
    public const int ClinicallySignificantPoints = 5;

    /// <summary>Baseline total at or above which a patient is evaluable (MNCM NQF #1884: PHQ-9 &gt; 9).</summary>
    public const int EvaluableBaselineMin = 10;

    /// <summary>Remission is a total below this.</summary>
    public const int RemissionBelow = 5;

    public int MaxTotal => ItemCount * MaxItemAnswer;

    /// <summary>The name clinicians read: "PHQ-9" or "GAD-7".</summary>
    public string Name => Instrument == Instrument.Phq9 ? "PHQ-9" : "GAD-7";

    public static readonly InstrumentDefinition Phq9 = new(
        Instrument.Phq9, ItemCount: 9, MaxMissingItems: 2, ReliableImprovementPoints: 6,
        [(0, Severity.Minimal), (5, Severity.Mild), (10, Severity.Moderate), (15, Severity.ModeratelySevere), (20, Severity.Severe)]);

    // No published GAD-7 proration rule exists; allowing one missing item is our own documented rule.
    public static readonly InstrumentDefinition Gad7 = new(
        Instrument.Gad7, ItemCount: 7, MaxMissingItems: 1, ReliableImprovementPoints: 4,
        [(0, Severity.Minimal), (5, Severity.Mild), (10, Severity.Moderate), (15, Severity.Severe)]);

    public static InstrumentDefinition For(Instrument instrument) => instrument switch
    {
        Instrument.Phq9 => Phq9,
        Instrument.Gad7 => Gad7,
        _ => throw new ArgumentOutOfRangeException(nameof(instrument), instrument, "Unknown instrument."),
    };

    /// <summary>The band a total falls into.</summary>
    public Severity SeverityOf(int total)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(total, MaxTotal);
        var severity = Bands[0].Severity;
        foreach (var (min, band) in Bands)
        {
            if (total >= min) severity = band;
        }
        return severity;
    }
}
