using System.Text.Json.Nodes;
using CsCheck;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Timepoints;
using KetamineOutcomes.Core.Trends;

namespace KetamineOutcomes.Api.Tests.Corrections;

/// <summary>
/// Issue 20's property: for any history of creates and entered-in-error markings on one patient (PHQ-9s and
/// infusions), the trend the service answers equals <see cref="TrendCalculator"/> run from scratch on the records that
/// survive — baseline, status, milestones, relapse, every point's timepoint and flags, and the numbered infusions.
/// </summary>
public class EnteredInErrorTrendProperties : ApiTest
{
    /// <summary>0: an infusion, 1: a PHQ-9 (total), 2: mark the n-th record created so far entered in error.</summary>
    private sealed record Step(int Kind, int Hours, int Total, int Pick);

    private static readonly Gen<Step[]> History =
        Gen.Select(Gen.Int[0, 2], Gen.Int[-24 * 40, 24 * 60], Gen.Int[0, 24], Gen.Int[0, 40], (k, h, t, p) => new Step(k, h, t, p)).Array[1, 14];

    [Fact]
    public async Task The_trend_after_any_history_of_creates_and_entered_in_error_markings_is_the_trend_of_the_surviving_records()
    {
        await History.SampleAsync(async steps =>
        {
            var patient = await CreatePatientAsync();
            var infusions = new List<(Guid Id, DateTimeOffset At, bool Wrong)>();
            var phq9s = new List<(Guid Id, DateTimeOffset At, int Total, bool Wrong)>();
            foreach (var s in steps)
            {
                var at = Day0.AddHours(s.Hours);
                switch (s.Kind)
                {
                    case 0:
                        infusions.Add((Guid.Parse((string)(await InfusionAsync(patient, at))["id"]!), at, false));
                        break;
                    case 1:
                        phq9s.Add((Guid.Parse((string)(await Phq9Async(patient, at, Phq9Items(s.Total)))["id"]!), at, s.Total, false));
                        break;
                    default:
                        var live = infusions.Where(i => !i.Wrong).Select(i => (RecordTable.Infusions, i.Id))
                            .Concat(phq9s.Where(q => !q.Wrong).Select(q => (RecordTable.Questionnaires, q.Id))).ToList();
                        if (live.Count == 0) break;
                        var (table, id) = live[s.Pick % live.Count];
                        await EnteredInErrorFixture.MarkAsync(App, table, id.ToString());
                        infusions = infusions.Select(i => i.Id == id ? i with { Wrong = true } : i).ToList();
                        phq9s = phq9s.Select(q => q.Id == id ? q with { Wrong = true } : q).ToList();
                        break;
                }
            }

            var timeline = new InfusionTimeline(infusions.Where(i => !i.Wrong).Select(i => new InfusionMoment(i.Id, i.At)));
            var expected = TrendCalculator.Compute(Instrument.Phq9, timeline, phq9s.Where(q => !q.Wrong)
                .Select(q => new ScoredAssessment(q.Id, q.At, q.Total, InstrumentDefinition.Phq9.SeverityOf(q.Total), false)));
            var actual = await GetOkAsync($"/api/v1/patients/{patient}/trends?instrument=phq9");
            Assert.Equal(Expected(expected, timeline), Actual(actual));
        }, iter: 40, threads: 1);
    }

    private static string Expected(Trend t, InfusionTimeline timeline) => string.Join("\n", new[]
    {
        $"status {WireNames.Of(t.Status)} {(t.StatusReason is { } r ? WireNames.Of(r) : "-")} relapse {t.Relapse}",
        $"baseline {t.Baseline?.QuestionnaireId} latest {t.Latest?.QuestionnaireId}",
        $"response {t.FirstResponse?.QuestionnaireId}@{t.FirstResponse?.SessionNumber} remission {t.FirstRemission?.QuestionnaireId}@{t.FirstRemission?.SessionNumber}",
    }.Concat(t.Points.Select(p =>
        $"point {p.Assessment.QuestionnaireId} s{p.Timepoint.SessionNumber} d{p.Timepoint.DaysSinceFirstInfusion} i{p.Timepoint.InfusionId} b{p.IsBaseline} c{p.ChangeFromBaseline} r{p.Flags?.Response} m{p.Flags?.Remission}"))
        .Concat(timeline.Ordered.Select((m, i) => $"infusion {m.InfusionId} #{i + 1}")));

    private static string Actual(JsonNode t)
    {
        string? Id(JsonNode? n) => n is null ? null : (string)n["questionnaireId"]!;
        string? Opt(JsonNode? n) => n?.ToString();
        return string.Join("\n", new[]
        {
            $"status {(string)t["status"]!} {Opt(t["statusReason"]) ?? "-"} relapse {(bool)t["relapse"]!}",
            $"baseline {Id(t["baseline"])} latest {Id(t["latest"])}",
            $"response {Id(t["firstResponse"])}@{Opt(t["firstResponse"]?["sessionNumber"])} remission {Id(t["firstRemission"])}@{Opt(t["firstRemission"]?["sessionNumber"])}",
        }.Concat(t["points"]!.AsArray().Select(p =>
            $"point {(string)p!["questionnaireId"]!} s{p["timepoint"]!["sessionNumber"]} d{Opt(p["timepoint"]!["daysSinceFirstInfusion"])} i{Opt(p["timepoint"]!["infusionId"])} " +
            $"b{(bool)p["isBaseline"]!} c{Opt(p["changeFromBaseline"])} r{Flag(p["response"])} m{Flag(p["remission"])}"))
            .Concat(t["infusions"]!.AsArray().Select(i => $"infusion {(string)i!["id"]!} #{i["sessionNumber"]}")));
    }

    // bool? as C# interpolates it: True, False or nothing.
    private static string Flag(JsonNode? n) => n is null ? "" : ((bool)n).ToString();
}
