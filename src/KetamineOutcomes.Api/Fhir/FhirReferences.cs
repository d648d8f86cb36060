using System.Collections;
using Hl7.Fhir.Model;
using KetamineOutcomes.Core;

namespace KetamineOutcomes.Api.Fhir;

/// <summary>
/// References in a posted resource must point at this server (SPEC v2, Boundaries): an absolute reference to another
/// server's base (<c>http://other.example/fhir/Patient/…</c>) is refused rather than mapped to a local resource by its id.
/// Relative references, contained (<c>#…</c>) and <c>urn:</c> references are left alone.
/// </summary>
internal static class FhirReferences
{
    /// <summary>Adds an error, keyed by FHIRPath, for every absolute http(s) reference outside <paramref name="fhirBase"/>.</summary>
    public static void Check(Resource resource, string fhirBase, ValidationErrors errors) => Walk(resource, resource.TypeName, fhirBase, errors);

    private static void Walk(Base node, string path, string fhirBase, ValidationErrors errors)
    {
        if (node is ResourceReference { Reference: { } reference } && IsElsewhere(reference, fhirBase))
            errors.Add($"{path}.reference", $"References another server ({Origin(reference)}); only references to this server ({fhirBase}) or relative references are accepted.");
        foreach (var (name, value) in node.EnumerateElements())
        {
            switch (value)
            {
                case Base child:
                    Walk(child, $"{path}.{name}", fhirBase, errors);
                    break;
                case IEnumerable list and not string:
                    var i = 0;
                    foreach (var element in list)
                    {
                        if (element is Base b) Walk(b, $"{path}.{name}[{i}]", fhirBase, errors);
                        i++;
                    }
                    break;
            }
        }
    }

    private static bool IsElsewhere(string reference, string fhirBase) =>
        (reference.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || reference.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
        && !reference.StartsWith(fhirBase + "/", StringComparison.Ordinal);

    /// <summary>Scheme and host only: the rest of a foreign URL is not echoed.</summary>
    private static string Origin(string reference) =>
        Uri.TryCreate(reference, UriKind.Absolute, out var uri) ? $"{uri.Scheme}://{uri.Authority}" : "an absolute URL";
}
