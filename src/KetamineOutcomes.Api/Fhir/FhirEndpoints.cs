using KetamineOutcomes.Api.Audit;
using KetamineOutcomes.Api.Endpoints;
using KetamineOutcomes.Api.Infrastructure;

namespace KetamineOutcomes.Api.Fhir;

/// <summary>HL7 FHIR R4 at /fhir/r4 for EHR integrations: Firely POCOs in and out, errors as OperationOutcome.</summary>
internal static partial class FhirEndpoints
{
    private const string Fhir = FhirJson.MediaType;

    public static RouteGroupBuilder MapFhir(this IEndpointRouteBuilder app)
    {
        // One content negotiation for every FHIR interaction: JSON only, else 406.
        var group = app.MapGroup("/fhir/r4").WithTags("FHIR R4").AddEndpointFilter<FhirFormatFilter>();

        group.MapGet("/metadata", Metadata).WithName("FhirCapabilityStatement").WithSummary("CapabilityStatement: what this FHIR interface supports")
            .WithDescription("The FHIR R4 CapabilityStatement (application/fhir+json): resources, interactions, search parameters and the local code for C-SSRS risk `none`. Needs no key.")
            .AllowAnonymous().Produces<object>(200, Fhir);
        group.MapGet("/Observation", SearchObservations).WithName("FhirSearchObservation")
            .WithSummary("Search survey Observations of one patient (PHQ-9/GAD-7 totals, PHQ-9 item 9, C-SSRS risk) by code and date")
            .AllowRoles(Roles.Clinician, Roles.Ehr).Audited().Produces<object>(200, Fhir);
        group.MapGet("/QuestionnaireResponse", SearchResponses).WithName("FhirSearchQuestionnaireResponse")
            .WithSummary("Search a patient's QuestionnaireResponses (PHQ-9, GAD-7, C-SSRS)")
            .AllowRoles(Roles.Clinician, Roles.Ehr).Audited().Produces<object>(200, Fhir);
        group.MapGet("/QuestionnaireResponse/{id}", ReadResponse).WithName("FhirReadQuestionnaireResponse").WithSummary("Read one QuestionnaireResponse")
            .AllowRoles(Roles.Clinician, Roles.Ehr).Audited().Produces<object>(200, Fhir);
        group.MapPost("/QuestionnaireResponse", CreateResponse).WithName("FhirCreateQuestionnaireResponse")
            .WithSummary("Submit a LOINC-coded PHQ-9, GAD-7 or C-SSRS QuestionnaireResponse; stored exactly like the JSON API")
            .AllowRoles(Roles.Portal, Roles.Clinician, Roles.Ehr).Audited()
            .Accepts<object>(Fhir, "application/json", "application/json+fhir").Produces<object>(201, Fhir);
        return group;
    }

    internal static IResult Metadata(PublicBaseUrl publicBase) => FhirJson.Result(CapabilityStatementFactory.Create(publicBase.Fhir));
}
