using System.Reflection;
using KetamineOutcomes.Core;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.AspNetCore.WebUtilities;

namespace KetamineOutcomes.Api.Infrastructure;

/// <summary>
/// Refuses query parameters an endpoint does not read (SPEC v2 Boundaries: nothing is read loosely, also in query
/// strings): a parameter its handler does not declare, in any case (<c>AT</c> is not <c>at</c>), is a 400 naming it,
/// before the handler runs. Without it ASP.NET Core ignores an unknown parameter, so a misspelt
/// <c>includeEnteredInErorr=true</c> or an unsupported <c>at</c> silently answers the default. A declared parameter
/// given twice is <see cref="ListQuery.Once"/>'s to refuse, as on every list.
/// </summary>
/// <remarks>
/// What an endpoint reads is its handler's signature, the one place the framework also binds from (and the OpenAPI
/// document is generated from; <c>DeclaredQueryTests</c> holds the two equal): every parameter of a simple type
/// (string, number, enum, Guid, date, or a type with <c>TryParse</c>) that is not a route parameter. Applied to the
/// <c>/api/v1</c> group, not to FHIR: FHIR R4 §3.1.1.5.5 leaves unsupported parameters out of <c>self</c> unless
/// <c>Prefer: handling=strict</c>, which those endpoints implement themselves.
/// </remarks>
internal static class DeclaredQuery
{
    /// <summary>Every endpoint of <paramref name="group"/> refuses the query parameters its handler does not read.</summary>
    public static RouteGroupBuilder RefusesUndeclaredQuery(this RouteGroupBuilder group)
    {
        group.AddEndpointFilterFactory((factory, next) =>
        {
            // The route pattern is not known to the factory; it is read from the first request's endpoint. A class, so
            // concurrent first requests publish it whole (a nullable tuple could be read half-written).
            Declaration? declared = null;
            return invocation =>
            {
                var d = Volatile.Read(ref declared);
                if (d is null) Volatile.Write(ref declared, d = Declared(factory.MethodInfo, (invocation.HttpContext.GetEndpoint() as RouteEndpoint)?.RoutePattern));
                Check(invocation.HttpContext.Request.QueryString, d.Names, d.Expected);
                return next(invocation);
            };
        });
        return group;
    }

    /// <summary>
    /// The query parameter names <paramref name="handler"/> binds (in signature order), given its route; what the
    /// framework's request delegate binds from the query string for a handler without binding attributes.
    /// </summary>
    internal static IReadOnlyList<string> NamesOf(MethodInfo handler, RoutePattern? route) =>
        handler.GetParameters().Where(p => p.Name is { } name && route?.GetParameter(name) is null && IsSimple(p.ParameterType)).Select(p => p.Name!).ToList();

    private sealed record Declaration(IReadOnlySet<string> Names, string Expected);

    private static Declaration Declared(MethodInfo handler, RoutePattern? route)
    {
        var names = NamesOf(handler, route);
        var expected = names.Count == 0 ? "This request reads no query parameters." : $"Not a parameter of this request: it reads {string.Join(", ", names)}.";
        return new Declaration(new HashSet<string>(names, StringComparer.Ordinal), expected);
    }

    private static bool IsSimple(Type type)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        if (t.IsArray) return IsSimple(t.GetElementType()!);
        return t == typeof(string) || t.IsPrimitive || t.IsEnum || t == typeof(decimal) || t == typeof(Guid) || t == typeof(DateTime)
            || t == typeof(DateTimeOffset) || t == typeof(DateOnly) || t == typeof(TimeOnly) || t == typeof(TimeSpan) || t == typeof(Uri)
            || t.GetMethod("TryParse", BindingFlags.Public | BindingFlags.Static, [typeof(string), t.MakeByRefType()]) is not null
            || t.GetMethod("TryParse", BindingFlags.Public | BindingFlags.Static, [typeof(string), typeof(IFormatProvider), t.MakeByRefType()]) is not null;
    }

    /// <summary>
    /// Throws <see cref="ClinicalValidationException"/> naming every parameter that is not declared, as sent: the raw
    /// pairs, since <see cref="IQueryCollection"/> merges names that differ only in case under one of their spellings.
    /// </summary>
    internal static void Check(QueryString query, IReadOnlySet<string> declared, string expected)
    {
        var errors = new ValidationErrors();
        foreach (var pair in new QueryStringEnumerable(query.Value))
        {
            var name = pair.DecodeName().ToString();
            if (!declared.Contains(name) && !errors.Has(name)) errors.Add(name, expected);
        }
        errors.ThrowIfAny();
    }
}
