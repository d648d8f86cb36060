namespace KetamineOutcomes.Api.Fhir;

/// <summary>
/// Systems and canonical URLs this service defines. The base is a reserved example domain (RFC 2606) marking these
/// as local definitions; each is described in the CapabilityStatement.
/// </summary>
internal static class FhirCodes
{
    public const string CanonicalBase = "https://ketamine-outcomes.example/fhir";

    /// <summary>Complex extension on Observations: where the assessment sits relative to the patient's infusions.</summary>
    public const string TimepointExtension = CanonicalBase + "/StructureDefinition/infusion-timepoint";

    /// <summary>Severity band codes (minimal … severe) used as Observation.interpretation.</summary>
    public const string SeveritySystem = CanonicalBase + "/CodeSystem/severity";

    /// <summary>Local code for C-SSRS risk "none", which LOINC's answer list lacks.</summary>
    public const string RiskSystem = CanonicalBase + "/CodeSystem/cssrs-risk";

    public const string ObservationCategory = "http://terminology.hl7.org/CodeSystem/observation-category";
    public const string OrdinalValueExtension = "http://hl7.org/fhir/StructureDefinition/ordinalValue";
    public const string ItemWeightExtension = "http://hl7.org/fhir/StructureDefinition/itemWeight";

    /// <summary>The ordinal extension of FHIR R4's own examples (ISO 21090 CO.value), older than ordinalValue/itemWeight.</summary>
    public const string Iso21090OrdinalExtension = "http://hl7.org/fhir/StructureDefinition/iso21090-CO-value";

    /// <summary>HL7 v2 table 0136 (Yes/No indicator: Y, N), a yes/no code system FHIR R4 forms use.</summary>
    public const string V2YesNo = "http://terminology.hl7.org/CodeSystem/v2-0136";

    public static string QuestionnaireCanonical(string panelCode) => $"http://loinc.org/q/{panelCode}";
}
