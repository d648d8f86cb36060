namespace KetamineOutcomes.Core.Trends;

/// <summary>
/// The course in words, for the chart title and the dashboard's status line: the latest status, told with what came
/// before it — a relapse after remission is not "no response" (SPEC "Clinical definitions": relapse is a total ≥ 10
/// after remission; it stays part of the story when remission is reached again).
/// </summary>
public static class TrendSummary
{
    /// <summary>One short sentence, e.g. "Relapse after remission", "Remission again after a relapse", "Partial response".</summary>
    public static string Describe(Trend trend) => (trend.Relapse, trend.Status) switch
    {
        (true, TrendStatus.Remission) => "Remission again after a relapse",
        (true, _) => "Relapse after remission",
        (_, TrendStatus.Remission) => "Remission",
        (_, TrendStatus.Response) => "Response",
        (_, TrendStatus.PartialResponse) => "Partial response",
        (_, TrendStatus.NonResponse) => "No response",
        _ => "Not evaluable",
    };
}
