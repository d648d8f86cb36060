namespace KetamineOutcomes.Benchmarks;

/// <summary>
/// RESULTS.md holds one generated section per benchmark mode between markers, plus hand-written history around
/// them; a run rewrites only its own section.
/// </summary>
internal static class ResultsFile
{
    public static void Replace(string path, string section, string body)
    {
        var begin = $"<!-- begin:{section} -->";
        var end = $"<!-- end:{section} -->";
        var text = File.Exists(path) ? File.ReadAllText(path) : "# Benchmark results\n\n";
        var block = $"{begin}\n{body.TrimEnd()}\n{end}";
        var i = text.IndexOf(begin, StringComparison.Ordinal);
        var j = text.IndexOf(end, StringComparison.Ordinal);
        text = i >= 0 && j > i ? text[..i] + block + text[(j + end.Length)..] : text.TrimEnd() + "\n\n" + block + "\n";
        File.WriteAllText(path, text);
    }
}
