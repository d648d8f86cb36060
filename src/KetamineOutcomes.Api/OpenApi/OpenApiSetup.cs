using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace KetamineOutcomes.Api.OpenApi;

internal static class OpenApiSetup
{
    public static IServiceCollection AddOutcomesOpenApi(this IServiceCollection services) =>
        services.AddOpenApi("v1", o =>
        {
            o.AddDocumentTransformer((doc, _, _) =>
            {
                doc.Info.Title = "KetamineOutcomes API";
                doc.Info.Version = "v1";
                doc.Info.Description =
                    "Patient-reported outcomes (PHQ-9, GAD-7, C-SSRS) keyed to ketamine/esketamine infusions, with response and remission trends. " +
                    "Errors are application/problem+json (RFC 9457); validation errors carry an `errors` map keyed by field (e.g. `items[3]`, 0-based). " +
                    "Creating POSTs, entered-in-error markings, amending PUTs and the measurement-plan PUT honour an `Idempotency-Key` header; corrections (PUT) need `If-Match` with the record's ETag.";
                doc.Info.Contact = new OpenApiContact
                {
                    Name = "KetamineOutcomes project",
                    Url = new Uri("https://ketamine-outcomes.example/support"),
                };
                // The committed document must not depend on the host that served it: one relative server, the host
                // the document was read from (OpenAPI 3.1 §4.8.5 resolves a relative URL against it).
                doc.Servers = [new OpenApiServer { Url = "/", Description = "The host serving this document" }];
                return Task.CompletedTask;
            });
            o.AddSchemaTransformer<RequestSchemaTransformer>();
            o.AddSchemaTransformer<WireNameEnumSchemaTransformer>();
            o.AddDocumentTransformer<RequiredNotNullTransformer>();
            o.AddOperationTransformer<ExamplesTransformer>();
            o.AddOperationTransformer<IfMatchTransformer>();
            o.AddDocumentTransformer<ApiKeySecurityTransformer>();
            o.AddOperationTransformer<ApiKeySecurityTransformer>();
        });
}
