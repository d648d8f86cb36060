using System.Collections;
using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Microsoft.AspNetCore.Mvc.ModelBinding;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace KetamineOutcomes.Api.OpenApi;

/// <summary>
/// Makes the schemas say what the service requires and accepts.
/// <para>
/// <b>required.</b> .NET 10's generator lists every constructor parameter of a positional record as required. The
/// request contracts declare every field nullable on purpose — a missing field must reach the handler, which answers
/// 400 naming it, instead of failing deserialization — so their C# types alone cannot say which fields the service
/// requires. For every type a request body is read into (and the types nested in it), <c>required</c> is therefore
/// derived from the contract: a property is required when it carries <see cref="RequiredAttribute"/> (on the property
/// or its constructor parameter; the handler answers "Required." for exactly those) or when it is non-nullable without
/// a default. Response types require only their non-nullable properties (a null one may be left out) and allow
/// additional properties.
/// </para>
/// <para>
/// <b>types.</b> The custom RFC 3339 converter hides DateTimeOffset's type from the generator (it emits only
/// <c>format: date-time</c>, which accepts anything): it becomes <c>string</c>, or <c>string | null</c> when nullable.
/// </para>
/// </summary>
internal sealed class RequestSchemaTransformer : IOpenApiSchemaTransformer
{
    private HashSet<Type>? _requestTypes;

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        var info = context.JsonTypeInfo;
        if (info.Type == typeof(DateTimeOffset) || Nullable.GetUnderlyingType(info.Type) == typeof(DateTimeOffset))
        {
            schema.Type = Nullable.GetUnderlyingType(info.Type) is null ? JsonSchemaType.String : JsonSchemaType.String | JsonSchemaType.Null;
            schema.Format ??= "date-time";
        }
        if (context.JsonPropertyInfo is { } own && Nullable.GetUnderlyingType(own.PropertyType) == typeof(DateTimeOffset))
        {
            schema.Type = JsonSchemaType.String | JsonSchemaType.Null;
        }

        if (info.Kind == JsonTypeInfoKind.Object && schema.Properties is { Count: > 0 } && RequestTypes(context.ApplicationServices).Contains(info.Type))
        {
            var required = info.Properties.Where(IsRequired).Select(p => p.Name).ToList();
            schema.Required = required.Count == 0 ? null : new SortedSet<string>(required, StringComparer.Ordinal);
        }
        else if (info.Kind == JsonTypeInfoKind.Object)
        {
            // Responses: unknown fields are refused only in what is read (UnmappedMemberHandling), never promised away in
            // what is written (problem details carry traceId and errors; later versions may add fields). A property that
            // can be null may be left out (suppressed research figures are), so only non-nullable ones are required.
            schema.AdditionalPropertiesAllowed = true;
            if (schema.Properties is { Count: > 0 })
            {
                var always = info.Properties.Where(p => p.PropertyType.IsValueType ? Nullable.GetUnderlyingType(p.PropertyType) is null : !p.IsGetNullable)
                    .Select(p => p.Name).Where(n => schema.Required?.Contains(n) == true).ToList();
                schema.Required = always.Count == 0 ? null : new SortedSet<string>(always, StringComparer.Ordinal);
            }
        }
        return Task.CompletedTask;
    }

    /// <summary>Required by the contract: [Required], C# <c>required</c>/[JsonRequired], or non-nullable without a default.</summary>
    internal static bool IsRequired(JsonPropertyInfo p)
    {
        if (p.IsRequired) return true;
        if (Has<RequiredAttribute>(p.AttributeProvider) || Has<RequiredAttribute>(p.AssociatedParameter?.AttributeProvider)) return true;
        var nonNullable = p.PropertyType.IsValueType ? Nullable.GetUnderlyingType(p.PropertyType) is null : !p.IsSetNullable;
        return nonNullable && p.AssociatedParameter is { HasDefaultValue: false };
    }

    private static bool Has<T>(ICustomAttributeProvider? provider) where T : Attribute =>
        provider?.IsDefined(typeof(T), inherit: true) == true;

    /// <summary>Every type the service reads a JSON request body into, with the object types nested in them.</summary>
    private HashSet<Type> RequestTypes(IServiceProvider services)
    {
        if (_requestTypes is { } known) return known;
        var found = new HashSet<Type>();
        var explorer = services.GetRequiredService<IApiDescriptionGroupCollectionProvider>();
        foreach (var description in explorer.ApiDescriptionGroups.Items.SelectMany(g => g.Items))
        {
            foreach (var parameter in description.ParameterDescriptions)
            {
                if (parameter.Source == BindingSource.Body) Walk(parameter.Type, found);
            }
        }
        return _requestTypes = found;
    }

    private static void Walk(Type? type, HashSet<Type> found)
    {
        if (type is null) return;
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type.IsArray)
        {
            Walk(type.GetElementType(), found);
            return;
        }
        if (type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type))
        {
            foreach (var argument in type.GetGenericArguments()) Walk(argument, found);
            return;
        }
        if (!type.IsClass || type == typeof(string) || type == typeof(object) || !found.Add(type)) return;
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance)) Walk(property.PropertyType, found);
    }
}
