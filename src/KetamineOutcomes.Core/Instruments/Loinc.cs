namespace KetamineOutcomes.Core.Instruments;

/// <summary>LOINC codes of the instruments and their answers (DOMAIN.md; US Core / LHC-Forms), for FHIR.</summary>
public static class Loinc
{
    public const string System = "http://loinc.org";

    public const string Phq9Panel = "44249-1", Phq9Total = "44261-6", Phq9Item9 = "44260-8", Phq9Difficulty = "69722-7";
    public const string Gad7Panel = "69737-5", Gad7Total = "70274-6";
    public const string CssrsPanel = "93373-9", CssrsRisk = "93374-7";

    /// <summary>PHQ-9 items 1–9 in order. Not sequential codes: each is mapped explicitly.</summary>
    public static readonly IReadOnlyList<string> Phq9Items = ["44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3", "44260-8"];

    /// <summary>GAD-7 items 1–7 in order.</summary>
    public static readonly IReadOnlyList<string> Gad7Items = ["69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"];

    /// <summary>C-SSRS screener questions.</summary>
    public const string CssrsWishToBeDead = "93246-7", CssrsSuicidalThoughts = "93247-5", CssrsMethod = "93248-3", CssrsIntent = "93249-1",
        CssrsPlan = "93250-9", CssrsBehavior = "93267-3", CssrsBehaviorRecent = "93269-9";

    /// <summary>Frequency answers (LL358-3) and their scores: the answer list of every PHQ-9 and GAD-7 item.</summary>
    public static readonly IReadOnlyDictionary<string, int> FrequencyAnswers = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["LA6568-5"] = 0, ["LA6569-3"] = 1, ["LA6570-1"] = 2, ["LA6571-9"] = 3,
    };

    /// <summary>"More days than not", which GAD-7 item 2 (68509-9) may carry for 2 (DOMAIN "GAD-7"); not in LL358-3.</summary>
    public const string MoreDaysThanNot = "LA18938-3";

    private static readonly IReadOnlyDictionary<string, int> Gad7Item2Answers =
        new Dictionary<string, int>(FrequencyAnswers, StringComparer.Ordinal) { [MoreDaysThanNot] = 2 };

    /// <summary>
    /// The answer codes a PHQ-9 or GAD-7 item (by its LOINC code) is read from, with their scores: LL358-3, plus
    /// <see cref="MoreDaysThanNot"/> = 2 on GAD-7 item 2 only. Anywhere else that code is no answer of the item and is
    /// refused rather than read as 2 — on PHQ-9 item 9, the safety item, a score from a list the item does not use would
    /// be a guess about what the patient was asked.
    /// </summary>
    public static IReadOnlyDictionary<string, int> FrequencyAnswersOf(string itemCode) =>
        itemCode == Gad7Items[1] ? Gad7Item2Answers : FrequencyAnswers;

    /// <summary>Display text of each score's answer code (LL358-3).</summary>
    public static readonly IReadOnlyList<(string Code, string Display)> FrequencyCodes =
        [("LA6568-5", "Not at all"), ("LA6569-3", "Several days"), ("LA6570-1", "More than half the days"), ("LA6571-9", "Nearly every day")];

    /// <summary>Difficulty answers (LL359-1): not in code order.</summary>
    public static readonly IReadOnlyDictionary<string, int> DifficultyAnswers = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["LA6572-7"] = 0, ["LA6573-5"] = 1, ["LA6575-0"] = 2, ["LA6574-3"] = 3,
    };

    public static readonly IReadOnlyList<(string Code, string Display)> DifficultyCodes =
        [("LA6572-7", "Not difficult at all"), ("LA6573-5", "Somewhat difficult"), ("LA6575-0", "Very difficult"), ("LA6574-3", "Extremely difficult")];

    public const string Yes = "LA33-6", No = "LA32-8";

    /// <summary>Risk-level answers; LOINC has none for "none" (a local code stands in, see the FHIR mapping).</summary>
    public const string RiskLow = "LA9194-7", RiskModerate = "LA6751-7", RiskHigh = "LA9193-9";

    public static string Panel(Instrument i) => i == Instrument.Phq9 ? Phq9Panel : Gad7Panel;
    public static string Total(Instrument i) => i == Instrument.Phq9 ? Phq9Total : Gad7Total;
    public static IReadOnlyList<string> Items(Instrument i) => i == Instrument.Phq9 ? Phq9Items : Gad7Items;
}
