using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace KetamineOutcomes.Api.OpenApi;

/// <summary>
/// Request examples for every operation with a JSON body, keyed by operationId, so the Swagger UI "Try it out" starts from a
/// valid body. Each must validate against its schema (Spectral's oas3-valid-media-example, <c>OpenApiLintTests</c>) and is
/// accepted by the service (<c>OpenApiRequiredFieldsTests</c>).
/// </summary>
internal sealed class ExamplesTransformer : IOpenApiOperationTransformer
{
    private static readonly Dictionary<string, string> Examples = new(StringComparer.Ordinal)
    {
        ["CreatePatient"] = """{"mrn":"MRN-0042","siteId":"north","birthYear":1984,"sex":"female","diagnoses":["trd","anxiety"],"researchConsent":true}""",
        ["RecordInfusion"] = """{"administeredAt":"2026-03-02T09:00:00Z","route":"iv","drug":"ketamine","doseMg":35,"doseMgPerKg":0.5,"durationMinutes":40,"bloodPressure":{"preSystolic":128,"preDiastolic":82,"postSystolic":136,"postDiastolic":86},"sideEffects":["dissociation","nausea"]}""",
        ["SubmitQuestionnaire"] = """{"instrument":"phq9","completedAt":"2026-03-03T09:00:00Z","items":[2,2,1,2,1,1,2,1,0],"difficulty":1,"source":"portal"}""",
        ["SubmitSuicidalityCheckin"] = """{"completedAt":"2026-03-03T09:05:00Z","wishToBeDead":true,"suicidalThoughts":false,"suicidalBehavior":"none","source":"portal"}""",
        ["SetResearchConsent"] = """{"researchConsent":false}""",
        ["AcknowledgeSafetyAlert"] = """{"note":"Called the patient; safety plan reviewed, next session booked."}""",
        ["CreateApiKey"] = """{"name":"north clinic portal","role":"portal","siteId":"north"}""",
        // Corrections (SPEC v2): the whole submission as on POST, plus why.
        ["AmendQuestionnaire"] = """{"instrument":"phq9","completedAt":"2026-03-03T09:00:00Z","items":[2,2,1,2,1,1,2,1,1],"difficulty":1,"source":"portal","reason":"Patient mis-tapped item 9 on the tablet"}""",
        ["AmendSuicidalityCheckin"] = """{"completedAt":"2026-03-03T09:05:00Z","wishToBeDead":true,"suicidalThoughts":false,"suicidalBehavior":"over-3-months-ago","source":"portal","reason":"Clinician re-asked question 6"}""",
        ["AmendInfusion"] = """{"administeredAt":"2026-03-02T09:00:00Z","route":"iv","drug":"ketamine","doseMg":35,"doseMgPerKg":0.5,"durationMinutes":45,"bloodPressure":{"preSystolic":128,"preDiastolic":82,"postSystolic":136,"postDiastolic":86},"sideEffects":["dissociation","nausea"],"reason":"Duration transcribed wrongly"}""",
        ["AmendPatient"] = """{"mrn":"MRN-0042","birthYear":1985,"sex":"female","diagnoses":["trd","anxiety"],"reason":"Birth year mistyped"}""",
        ["MarkQuestionnaireEnteredInError"] = """{"reason":"Entered for the wrong patient"}""",
        ["MarkSuicidalityCheckinEnteredInError"] = """{"reason":"Entered for the wrong patient"}""",
        ["MarkInfusionEnteredInError"] = """{"reason":"Infusion was cancelled before it started"}""",
        // Measurement plans (SPEC v2): one rule of each anchor.
        ["PutMeasurementPlan"] = """{"rules":[{"id":"baseline","instrument":"phq9","anchor":"enrolment","windowDays":3},{"id":"after-1-3","instrument":"phq9","anchor":"after-infusion","offsetHours":24,"windowHours":48,"sessions":[1,3]},{"id":"weekly-cssrs","instrument":"cssrs","anchor":"interval","everyDays":7,"phase":"on-treatment","windowDays":2}]}""",
    };

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (operation.OperationId is { } id && Examples.TryGetValue(id, out var json)
            && operation.RequestBody?.Content?.TryGetValue("application/json", out var media) == true)
        {
            media.Example = JsonNode.Parse(json);
        }
        return Task.CompletedTask;
    }
}
