using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Safety;
using KetamineOutcomes.Core.Timepoints;

namespace KetamineOutcomes.Api.Fhir;

/// <summary>
/// Everything one of our Observations says, decided once by <see cref="FhirMapping"/>: the Firely POCO
/// (<see cref="FhirMapping.ToObservation"/>, the reference) and the searchset's direct writer (<see cref="ObservationJson"/>)
/// only render it. <paramref name="Id"/> is <c>{record id}-total|-item9|-risk</c>; <paramref name="Effective"/> the
/// completion instant (UTC); <paramref name="Code"/> a LOINC code and <paramref name="Text"/> the concept's text; the
/// value is <paramref name="Score"/> (valueInteger) or, for a C-SSRS check-in, <paramref name="Risk"/>
/// (valueCodeableConcept); <paramref name="Severity"/> (interpretation) and <paramref name="Prorated"/> (note) only on a
/// total.
/// </summary>
internal sealed record ObservationFacts(
    string Id, Guid PatientId, Guid ResponseId, DateTimeOffset Effective, string Code, string Text,
    RecordStatus Status, int Version, DateTimeOffset LastUpdated, Timepoint Timepoint,
    int? Score, Severity? Severity, bool Prorated, RiskLevel? Risk);
