using System.Text.Json.Serialization;

namespace KetamineOutcomes.Core.Instruments;

/// <summary>A scored self-report questionnaire. Wire names are fixed by the SPEC.</summary>
public enum Instrument
{
    [JsonStringEnumMemberName("phq9")] Phq9,
    [JsonStringEnumMemberName("gad7")] Gad7,
}

/// <summary>Severity band of a questionnaire total.</summary>
public enum Severity
{
    [JsonStringEnumMemberName("minimal")] Minimal,
    [JsonStringEnumMemberName("mild")] Mild,
    [JsonStringEnumMemberName("moderate")] Moderate,
    [JsonStringEnumMemberName("moderately-severe")] ModeratelySevere,
    [JsonStringEnumMemberName("severe")] Severe,
}
