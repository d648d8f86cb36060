using KetamineOutcomes.Api.Corrections;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace KetamineOutcomes.Api.OpenApi;

/// <summary>An endpoint that reads If-Match (SPEC v2, Corrections): required (428 without) or honoured when sent.</summary>
public sealed record IfMatchMetadata(bool Required);

internal static class IfMatchEndpointExtensions
{
    /// <summary>Declares the endpoint's If-Match use in the OpenAPI document (the handler enforces it with <see cref="Preconditions"/>).</summary>
    public static TBuilder WithIfMatch<TBuilder>(this TBuilder builder, bool required) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new IfMatchMetadata(required));
}

/// <summary>Adds the If-Match header parameter to the operations that read it.</summary>
internal sealed class IfMatchTransformer : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.Description.ActionDescriptor.EndpointMetadata.OfType<IfMatchMetadata>().LastOrDefault() is not { } ifMatch) return Task.CompletedTask;
        operation.Parameters ??= [];
        operation.Parameters.Add(new OpenApiParameter
        {
            Name = Preconditions.IfMatchHeader,
            In = ParameterLocation.Header,
            Required = ifMatch.Required,
            Description = ifMatch.Required
                ? "The ETag of the version corrected, as its GET sent it (W/\"n\" or \"n\"): missing → 428, malformed → 400, no longer current → 412."
                : "Optional: the ETag of the version read (W/\"n\" or \"n\"); when sent and no longer current → 412.",
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            Example = System.Text.Json.Nodes.JsonValue.Create("W/\"1\""),
        });
        return Task.CompletedTask;
    }
}
