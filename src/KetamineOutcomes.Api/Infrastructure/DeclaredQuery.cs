using KetamineOutcomes.Core;

namespace KetamineOutcomes.Api.Infrastructure;

/// <summary>
/// Refuses query parameters an endpoint does not read (SPEC v2 Boundaries: nothing is read loosely, also in query
/// strings): a parameter it does not declare, in any case (<c>AT</c> is not <c>at</c>), is a 400 naming it, before the
/// handler runs. Without it ASP.NET Core ignores an unknown parameter (a misspelt or unsupported <c>at</c> silently
/// answers "now"). A declared parameter given twice is <see cref="ListQuery.Once"/>'s to refuse, as on every list.
/// Not for the FHIR endpoints: FHIR R4 §3.1.1.5.5 leaves unsupported parameters out of <c>self</c> unless
/// <c>Prefer: handling=strict</c>, which they implement themselves.
/// </summary>
internal static class DeclaredQuery
{
    /// <summary>The endpoint reads exactly <paramref name="names"/> from the query string (none: it reads no query).</summary>
    public static RouteHandlerBuilder ReadsQuery(this RouteHandlerBuilder builder, params string[] names)
    {
        var declared = new HashSet<string>(names, StringComparer.Ordinal);
        var expected = names.Length == 0 ? "This request reads no query parameters." : $"Not a parameter of this request: it reads {string.Join(", ", names)}.";
        return builder.AddEndpointFilter(async (context, next) =>
        {
            Check(context.HttpContext.Request.Query, declared, expected);
            return await next(context).ConfigureAwait(false);
        });
    }

    /// <summary>Throws <see cref="ClinicalValidationException"/> naming every parameter that is not declared.</summary>
    internal static void Check(IQueryCollection query, IReadOnlySet<string> declared, string expected)
    {
        var errors = new ValidationErrors();
        foreach (var name in query.Keys)
            if (!declared.Contains(name)) errors.Add(name, expected);
        errors.ThrowIfAny();
    }
}
