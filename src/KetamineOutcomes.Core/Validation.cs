namespace KetamineOutcomes.Core;

/// <summary>Field-keyed validation messages (keys as the API names them, e.g. <c>items[3]</c>).</summary>
public sealed class ValidationErrors
{
    private readonly Dictionary<string, List<string>> _errors = new(StringComparer.Ordinal);

    public bool IsEmpty => _errors.Count == 0;

    /// <summary>How many messages have been added, over all fields.</summary>
    public int Count => _errors.Values.Sum(l => l.Count);

    public void Add(string field, string message)
    {
        if (!_errors.TryGetValue(field, out var list)) _errors[field] = list = [];
        list.Add(message);
    }

    /// <summary>Whether <paramref name="field"/> already has a message (a reader refused it before the rules ran).</summary>
    public bool Has(string field) => _errors.ContainsKey(field);

    public IReadOnlyDictionary<string, string[]> ToDictionary() =>
        _errors.ToDictionary(kv => kv.Key, kv => kv.Value.ToArray(), StringComparer.Ordinal);

    public void ThrowIfAny()
    {
        if (!IsEmpty) throw new ClinicalValidationException(ToDictionary());
    }
}

/// <summary>Input that breaks a clinical or shape rule; the API maps it to 400 with an <c>errors</c> map.</summary>
public sealed class ClinicalValidationException(IReadOnlyDictionary<string, string[]> errors)
    : Exception("The request breaks one or more validation rules.")
{
    public IReadOnlyDictionary<string, string[]> Errors { get; } = errors;

    public static ClinicalValidationException For(string field, string message) =>
        new(new Dictionary<string, string[]> { [field] = [message] });
}
