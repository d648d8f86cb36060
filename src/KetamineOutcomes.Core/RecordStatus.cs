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
