using System.Text.Json.Serialization;

namespace KetamineOutcomes.Core;

/// <summary>
/// Status of a stored assessment (SPEC v2, Corrections). FHIR QuestionnaireResponse.status maps <c>completed</c> ↔
/// <see cref="Final"/>, <c>amended</c> ↔ <see cref="Amended"/>, <c>entered-in-error</c> ↔ <see cref="EnteredInError"/>.
/// </summary>
public enum RecordStatus
{
    [JsonStringEnumMemberName("final")] Final,
    [JsonStringEnumMemberName("amended")] Amended,
    [JsonStringEnumMemberName("entered-in-error")] EnteredInError,
}

/// <summary>What a record's status means for everything derived from records.</summary>
public static class RecordStatusRules
{
    /// <summary>
    /// Whether a record counts in derived views — trends, timepoints and session numbers, the chart, research, FHIR
    /// searches (SPEC v2, Corrections): every status but <see cref="RecordStatus.EnteredInError"/>. An entered-in-error
    /// record stays readable by id. The stores say the same in SQL with <c>status &lt;&gt; 'entered-in-error'</c>.
    /// </summary>
    public static bool IsLive(this RecordStatus status) => status != RecordStatus.EnteredInError;
}
