using System.Collections;
using Hl7.Fhir.Model;
using KetamineOutcomes.Core;

namespace KetamineOutcomes.Api.Fhir;

/// <summary>
/// What a walk over every element of a posted resource refuses (SPEC v2, Boundaries), each keyed by its FHIRPath:
/// <list type="bullet">
/// <item>an absolute reference to another server's base (<c>http://other.example/fhir/Patient/…</c>, also
/// protocol-relative <c>//other.example/…</c>), rather than mapping it to a local resource by its id; relative,
/// contained (<c>#…</c>) and <c>urn:</c> references are left alone;</item>
/// <item>any <c>modifierExtension</c>: FHIR R4 (extensibility.html#modifierExtension) requires a system that does not
/// understand a modifier to refuse the resource, since it may change the meaning of what it sits on (e.g. an answer);</item>
/// <item>a QuestionnaireResponse inside the resource (contained, or in a contained Bundle or Parameters): its answers
/// would not be read, and might contradict the outer ones.</item>
/// </list>
/// </summary>
internal static class FhirElementChecks
{
    public static void Check(Resource resource, string fhirBase, ValidationErrors errors) => Walk(resource, new Location(resource.TypeName), fhirBase, errors);

    /// <summary>An absolute or protocol-relative http(s) reference that is not under <paramref name="fhirBase"/>.</summary>
    public static bool IsElsewhere(string reference, string fhirBase) =>
        (reference.StartsWith("http://", StringComparison.OrdinalIgnoreCase) || reference.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
            || reference.StartsWith("//", StringComparison.Ordinal))
        && !reference.StartsWith(fhirBase + "/", StringComparison.Ordinal);

    // Where the walk is: each segment an element name, with its index in a list. Its FHIRPath is built only for an error,
    // not for every element (issue 24).
    private sealed class Location(string root)
    {
        private readonly List<(string Name, int Index)> _segments = [];

        public bool IsRoot => _segments.Count == 0;

        public void Push(string name, int index) => _segments.Add((name, index));

        public void Pop() => _segments.RemoveAt(_segments.Count - 1);

        public override string ToString()
        {
            var path = new System.Text.StringBuilder(root);
            foreach (var (name, index) in _segments)
            {
                path.Append('.').Append(name);
                if (index >= 0) path.Append('[').Append(index.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append(']');
            }
            return path.ToString();
        }
    }

    private static void Walk(Base node, Location path, string fhirBase, ValidationErrors errors)
    {
        if (node is QuestionnaireResponse && !path.IsRoot)
        {
            // Contained directly, or inside a contained Bundle or Parameters: its answers would not be read.
            errors.Add(path.ToString(), "A QuestionnaireResponse inside the resource is not read; send each response as the resource itself.");
            return;
        }
        if (node is ResourceReference { Reference: { } reference } && IsElsewhere(reference, fhirBase))
            errors.Add($"{path}.reference", $"References another server ({Origin(reference)}); only references to this server ({fhirBase}) or relative references are accepted.");
        foreach (var (name, value) in node.EnumerateElements())
        {
            switch (value)
            {
                case Base child:
                    path.Push(name, -1);
                    Walk(child, path, fhirBase, errors);
                    path.Pop();
                    break;
                case IEnumerable list and not string:
                    var i = 0;
                    foreach (var element in list)
                    {
                        path.Push(name, i++);
                        if (name == "modifierExtension" && element is Extension modifier)
                            errors.Add(path.ToString(), $"Modifier extension {modifier.Url} is not understood here; a modifier may change the meaning of what it is on, so the resource is refused (FHIR R4 extensibility).");
                        else if (element is Base b) Walk(b, path, fhirBase, errors);
                        path.Pop();
                    }
                    break;
            }
        }
    }

    /// <summary>Scheme and host only: the rest of a foreign URL is not echoed.</summary>
    private static string Origin(string reference) =>
        Uri.TryCreate(reference.StartsWith("//", StringComparison.Ordinal) ? "https:" + reference : reference, UriKind.Absolute, out var uri)
            ? uri.Authority : "an absolute URL";
}
