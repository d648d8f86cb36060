namespace KetamineOutcomes.Core.Research;

/// <summary>5-year age bands for de-identified output, with ages over 89 collapsed to "90+" (HIPAA Safe Harbor).</summary>
public static class AgeBand
{
    /// <summary>The band of the age reached in <paramref name="referenceYear"/>; null when the birth year is unknown or later.</summary>
    public static string? Of(int? birthYear, int referenceYear)
    {
        if (birthYear is not { } born || born > referenceYear) return null;
        var age = referenceYear - born;
        if (age >= 90) return "90+";
        var low = age / 5 * 5;
        return $"{low}-{low + 4}";
    }
}
