using KetamineOutcomes.Core.Access;
using P = KetamineOutcomes.Core.Access.SmartPermissions;

namespace KetamineOutcomes.Api.Security;

/// <summary>The FHIR resource type and permission letter a SMART scope must grant for one endpoint.</summary>
/// <param name="ResourceType">A FHIR resource type, or <c>*</c>: an endpoint with no FHIR equivalent, reached only through a
/// wildcard scope (<c>system/*.rs</c>…).</param>
internal sealed record SmartAccess(string ResourceType, SmartPermissions Permission)
{
    /// <summary>The scope that grants it, in the token's context, e.g. <c>system/QuestionnaireResponse.c</c>.</summary>
    public string Scope(SmartContext context) => $"{SmartPermissionLetters.Word(context)}/{ResourceType}.{SmartPermissionLetters.Write(Permission)}";
}

/// <summary>
/// What each endpoint needs from a SMART-scoped token (SPEC v2 "People, not shared keys"; README "SMART on FHIR for EHR
/// systems"), by endpoint name. FHIR interactions by their resource and interaction (read → r, search → s, create → c,
/// update → u, delete → d; SMART App Launch 2.x); JSON endpoints by the FHIR resource they expose: patients → Patient,
/// infusions → MedicationAdministration (drug, dose, route and time are that resource's elements), questionnaires and
/// check-ins → QuestionnaireResponse (as the FHIR interface serves them), trends and the response watch → Observation
/// (the scores over time), safety alerts → Flag, the audit trail → AuditEvent. A list is a search (s), one record or
/// its history a read (r), an amendment or an entered-in-error marking an update (u). Endpoints with no FHIR
/// equivalent (due lists, measurement plans, research aggregates, webhook deliveries, API keys) need the wildcard
/// type <c>*</c>. An endpoint missing here is refused to every scoped token (secure by default;
/// <c>SmartEndpointMapTests</c> keeps the map complete).
/// </summary>
internal static class SmartEndpointMap
{
    private const string Questionnaire = "QuestionnaireResponse", Patient = "Patient", Infusion = "MedicationAdministration",
        Observation = "Observation", Alert = "Flag", Audit = "AuditEvent", NoFhirEquivalent = "*";

    public static readonly IReadOnlyDictionary<string, SmartAccess> ByEndpoint = new Dictionary<string, SmartAccess>(StringComparer.Ordinal)
    {
        // FHIR R4
        ["FhirSearchObservation"] = new(Observation, P.Search),
        ["FhirSearchQuestionnaireResponse"] = new(Questionnaire, P.Search),
        ["FhirReadQuestionnaireResponse"] = new(Questionnaire, P.Read),
        ["FhirCreateQuestionnaireResponse"] = new(Questionnaire, P.Create),
        // Patients
        ["CreatePatient"] = new(Patient, P.Create),
        ["GetPatient"] = new(Patient, P.Read),
        ["ListPatients"] = new(Patient, P.Search),
        ["AmendPatient"] = new(Patient, P.Update),
        ["GetPatientHistory"] = new(Patient, P.Read),
        ["SetResearchConsent"] = new(Patient, P.Update), // a field of the patient record: a new patient version
        // Infusions
        ["RecordInfusion"] = new(Infusion, P.Create),
        ["ListInfusions"] = new(Infusion, P.Search),
        ["GetInfusion"] = new(Infusion, P.Read),
        ["AmendInfusion"] = new(Infusion, P.Update),
        ["MarkInfusionEnteredInError"] = new(Infusion, P.Update),
        ["GetInfusionHistory"] = new(Infusion, P.Read),
        // Questionnaires (PHQ-9, GAD-7) and C-SSRS check-ins: QuestionnaireResponses on the FHIR interface
        ["SubmitQuestionnaire"] = new(Questionnaire, P.Create),
        ["ListQuestionnaires"] = new(Questionnaire, P.Search),
        ["GetQuestionnaire"] = new(Questionnaire, P.Read),
        ["AmendQuestionnaire"] = new(Questionnaire, P.Update),
        ["MarkQuestionnaireEnteredInError"] = new(Questionnaire, P.Update),
        ["GetQuestionnaireHistory"] = new(Questionnaire, P.Read),
        ["SubmitSuicidalityCheckin"] = new(Questionnaire, P.Create),
        ["ListSuicidalityCheckins"] = new(Questionnaire, P.Search),
        ["GetSuicidalityCheckin"] = new(Questionnaire, P.Read),
        ["AmendSuicidalityCheckin"] = new(Questionnaire, P.Update),
        ["MarkSuicidalityCheckinEnteredInError"] = new(Questionnaire, P.Update),
        ["GetSuicidalityCheckinHistory"] = new(Questionnaire, P.Read),
        // Scores over time
        ["GetTrend"] = new(Observation, P.Search),
        ["GetTrendChart"] = new(Observation, P.Search),
        ["ListResponseWatch"] = new(Observation, P.Search),
        // Safety alerts and the audit trail
        ["ListSafetyAlerts"] = new(Alert, P.Search),
        ["AcknowledgeSafetyAlert"] = new(Alert, P.Update),
        ["ListAuditEvents"] = new(Audit, P.Search),
        // No FHIR equivalent: wildcard scopes only
        ["GetPatientDue"] = new(NoFhirEquivalent, P.Read),
        ["GetPatientAdherence"] = new(NoFhirEquivalent, P.Read),
        ["GetDueWorklist"] = new(NoFhirEquivalent, P.Search),
        ["GetMeasurementPlan"] = new(NoFhirEquivalent, P.Read),
        ["PutMeasurementPlan"] = new(NoFhirEquivalent, P.Update),
        ["GetResearchTrajectory"] = new(NoFhirEquivalent, P.Search),
        ["GetResearchSummary"] = new(NoFhirEquivalent, P.Search),
        ["GetResearchDurability"] = new(NoFhirEquivalent, P.Search),
        ["ExportResearchCsv"] = new(NoFhirEquivalent, P.Search),
        ["ListWebhookDeliveries"] = new(NoFhirEquivalent, P.Search),
        ["RetryWebhookDelivery"] = new(NoFhirEquivalent, P.Update),
        ["CreateApiKey"] = new(NoFhirEquivalent, P.Create),
        ["ListApiKeys"] = new(NoFhirEquivalent, P.Search),
        ["RevokeApiKey"] = new(NoFhirEquivalent, P.Delete),
    };

    /// <summary>
    /// The resource scopes this service honours, for <c>scopes_supported</c> in the SMART configuration: per resource type
    /// of the map, the letters its endpoints use, in the <c>system/</c> and <c>user/</c> contexts; <c>*</c> last.
    /// </summary>
    public static IReadOnlyList<string> ScopesSupported()
    {
        var letters = ByEndpoint.Values.GroupBy(a => a.ResourceType, StringComparer.Ordinal)
            .Select(g => (Type: g.Key, Permissions: g.Aggregate(P.None, (all, a) => all | a.Permission)))
            .OrderBy(t => t.Type == NoFhirEquivalent).ThenBy(t => t.Type, StringComparer.Ordinal)
            .ToList();
        // The wildcard also covers every named type, so it may carry every letter any endpoint uses.
        var every = letters.Aggregate(P.None, (all, t) => all | t.Permissions);
        return [.. letters.SelectMany(t => new[] { SmartContext.System, SmartContext.User }.Select(c =>
            new SmartAccess(t.Type, t.Type == NoFhirEquivalent ? every : t.Permissions).Scope(c)))];
    }
}
