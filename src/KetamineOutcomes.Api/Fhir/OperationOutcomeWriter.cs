using Hl7.Fhir.Model;

namespace KetamineOutcomes.Api.Fhir;

/// <summary>
/// Under /fhir every error the service writes (validation, 401/403/404/405/406, 413/415, 429, 500) becomes an
/// OperationOutcome in application/fhir+json; everywhere else problem+json stays. One error mapping, two dialects.
/// </summary>
internal sealed class OperationOutcomeWriter : IProblemDetailsWriter
{
    // The SMART configuration under the FHIR base is OAuth metadata, not a FHIR resource: its errors stay problem+json.
    public bool CanWrite(ProblemDetailsContext context) =>
        context.HttpContext.Request.Path is var path
        && path.StartsWithSegments("/fhir", StringComparison.OrdinalIgnoreCase)
        && !path.StartsWithSegments(Security.SmartConfigurationEndpoints.FhirPath, StringComparison.OrdinalIgnoreCase);

    public async ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        var p = context.ProblemDetails;
        var status = p.Status ?? http.Response.StatusCode;
        var outcome = new OperationOutcome { Id = null };
        if (p.Extensions.TryGetValue("errors", out var raw) && raw is IReadOnlyDictionary<string, string[]> errors)
        {
            foreach (var (field, messages) in errors)
            {
                foreach (var message in messages)
                {
                    outcome.Issue.Add(new OperationOutcome.IssueComponent
                    {
                        Severity = OperationOutcome.IssueSeverity.Error,
                        Code = status == StatusCodes.Status422UnprocessableEntity ? OperationOutcome.IssueType.BusinessRule : OperationOutcome.IssueType.Invalid,
                        Diagnostics = message,
                        // "body" is the whole request (unreadable JSON): there is no element to point at.
                        Expression = field == "body" ? [] : [field],
                    });
                }
            }
        }
        if (outcome.Issue.Count == 0)
        {
            outcome.Issue.Add(new OperationOutcome.IssueComponent
            {
                Severity = status >= 500 ? OperationOutcome.IssueSeverity.Fatal : OperationOutcome.IssueSeverity.Error,
                Code = IssueTypeFor(status),
                Diagnostics = FhirStatusDiagnostics.For(status, http, p) ?? (string.IsNullOrEmpty(p.Detail) ? p.Title : $"{p.Title}: {p.Detail}"),
            });
        }
        outcome.Issue[0].Details = new CodeableConcept { Text = $"traceId {http.TraceIdentifier}" };
        http.Response.StatusCode = status;
        await FhirJson.Result(outcome, status).ExecuteAsync(http).ConfigureAwait(false);
    }

    private static OperationOutcome.IssueType IssueTypeFor(int status) => status switch
    {
        400 or 413 or 422 => OperationOutcome.IssueType.Invalid,
        401 => OperationOutcome.IssueType.Login,
        403 => OperationOutcome.IssueType.Forbidden,
        404 => OperationOutcome.IssueType.NotFound,
        405 or 406 or 415 => OperationOutcome.IssueType.NotSupported,
        409 => OperationOutcome.IssueType.Conflict,
        429 => OperationOutcome.IssueType.Throttled,
        _ => OperationOutcome.IssueType.Exception,
    };
}
