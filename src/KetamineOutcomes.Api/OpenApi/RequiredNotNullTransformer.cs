using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace KetamineOutcomes.Api.OpenApi;

/// <summary>
/// In request bodies a required field refuses null exactly as it refuses absence (the handler answers 400 "Required."
/// for both), so its schema loses <c>null</c>; optional fields keep it (null is read as absent). Runs on the finished
/// document because the generator wraps nullable references in <c>oneOf: [null, $ref]</c> after the schema
/// transformers. Response schemas are untouched: there <c>required</c> means "always present", possibly null.
/// </summary>
internal sealed class RequiredNotNullTransformer : IOpenApiDocumentTransformer
{
    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var components = document.Components?.Schemas;
        if (components is null) return Task.CompletedTask;
        var requestSchemas = new HashSet<string>(StringComparer.Ordinal);
        foreach (var operation in document.Paths.Values.SelectMany(p => p.Operations?.Values.AsEnumerable() ?? []))
        {
            foreach (var media in operation.RequestBody?.Content?.Values ?? [])
            {
                Collect(media.Schema, components, requestSchemas);
            }
        }
        foreach (var name in requestSchemas)
        {
            if (components[name] is not OpenApiSchema { Required: { Count: > 0 } required, Properties: { } properties }) continue;
            foreach (var field in required)
            {
                if (properties.TryGetValue(field, out var property)) properties[field] = WithoutNull(property);
            }
        }
        return Task.CompletedTask;
    }

    private static IOpenApiSchema WithoutNull(IOpenApiSchema property)
    {
        if (property is not OpenApiSchema inline) return property;
        // A nullable reference is generated as oneOf: [{type: null}, {$ref}]: keep the reference alone.
        if (inline.OneOf is { Count: 2 } one && one.Count(s => s.Type == JsonSchemaType.Null) == 1)
            return one.Single(s => s.Type != JsonSchemaType.Null);
        if (inline.Type is { } type && type != JsonSchemaType.Null) inline.Type = type & ~JsonSchemaType.Null;
        return inline;
    }

    /// <summary>The component schemas a request body schema refers to, directly or through properties, items and oneOf.</summary>
    private static void Collect(IOpenApiSchema? schema, IDictionary<string, IOpenApiSchema> components, HashSet<string> found)
    {
        switch (schema)
        {
            case null:
                return;
            case OpenApiSchemaReference reference:
                if (reference.Reference.Id is { } id && found.Add(id) && components.TryGetValue(id, out var target)) Collect(target, components, found);
                return;
        }
        foreach (var property in schema.Properties?.Values ?? []) Collect(property, components, found);
        foreach (var option in (schema.OneOf ?? []).Concat(schema.AnyOf ?? []).Concat(schema.AllOf ?? [])) Collect(option, components, found);
        Collect(schema.Items, components, found);
    }
}
