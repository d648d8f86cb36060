using System.Net;
using System.Text.Json.Nodes;
using CsCheck;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Timepoints;
using KetamineOutcomes.Core.Trends;

namespace KetamineOutcomes.Api.Tests.Corrections;

/// <summary>
/// Issue 20's property: for any history of creates, amendments (PUT with If-Match) and entered-in-error markings on one
/// patient (PHQ-9s and infusions), made through the real endpoints on a real store, the trend the service answers
/// equals <see cref="TrendCalculator"/> run from scratch on the surviving current versions — baseline, status,
/// milestones, relapse, every point's timepoint and flags, and the numbered infusions.
/// </summary>
public class EnteredInErrorTrendProperties : CorrectionTest
{
    /// <summary>
    /// 0: an infusion at Hours, 1: a PHQ-9 at Hours with Total; 2: mark the Pick-th live record entered in error;
    /// 3: amend the Pick-th live record to Hours (and Total, for a PHQ-9).
    /// </summary>
    private sealed record Step(int Kind, int Hours, int Total, int Pick);

    /// <summary>A record as the test knows it: its current version's values and whether it is entered in error.</summary>
    private sealed record Known(bool Infusion, Guid Id, string Url, DateTimeOffset At, int Total, int Version, bool Wrong);

    private static readonly Gen<Step[]> History =
        Gen.Select(Gen.Int[0, 3], Gen.Int[-24 * 40, 24 * 60], Gen.Int[0, 24], Gen.Int[0, 40], (k, h, t, p) => new Step(k, h, t, p)).Array[1, 14];

    [Fact]
    public async Task The_trend_after_any_history_of_creates_amendments_and_entered_in_error_markings_is_the_trend_of_the_surviving_current_versions()
    {
        await History.SampleAsync(async steps =>
        {
            var patient = await CreatePatientAsync();
            var records = new List<Known>();
            foreach (var s in steps)
            {
                var at = Day0.AddHours(s.Hours);
                var live = records.Where(r => !r.Wrong).ToList();
                switch (s.Kind)
                {
                    case 0:
                        var i = Guid.Parse((string)(await InfusionAsync(patient, at))["id"]!);
                        records.Add(new Known(true, i, $"/api/v1/patients/{patient}/infusions/{i}", at, 0, 1, false));
                        break;
                    case 1:
                        var q = Guid.Parse((string)(await Phq9Async(patient, at, Phq9Items(s.Total)))["id"]!);
                        records.Add(new Known(false, q, $"/api/v1/patients/{patient}/questionnaires/{q}", at, s.Total, 1, false));
                        break;
                    case 2 when live.Count > 0:
                        var wrong = live[s.Pick % live.Count];
                        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Post, wrong.Url + "/entered-in-error", new { reason = "Wrong patient" }, $"W/\"{wrong.Version}\"")).Status);
                        Replace(records, wrong with { Version = wrong.Version + 1, Wrong = true });
                        break;
                    case 3 when live.Count > 0:
                        var old = live[s.Pick % live.Count];
                        object body = old.Infusion
                            ? new { administeredAt = Iso(at), route = "iv", drug = "ketamine", doseMgPerKg = 0.5, reason = "Wrong day" }
                            : new { instrument = "phq9", completedAt = Iso(at), items = Phq9Items(s.Total), reason = "Mis-tapped" };
                        var (status, answer, _) = await SendAsync(HttpMethod.Put, old.Url, body, $"W/\"{old.Version}\"");
                        Assert.True(status == HttpStatusCode.OK, answer?.ToJsonString());
                        Replace(records, old with { At = at, Total = old.Infusion ? 0 : s.Total, Version = old.Version + 1 });
                        break;
                }
            }

            var surviving = records.Where(r => !r.Wrong).ToList();
            var timeline = new InfusionTimeline(surviving.Where(r => r.Infusion).Select(r => new InfusionMoment(r.Id, r.At)));
            var expected = TrendCalculator.Compute(Instrument.Phq9, timeline, surviving.Where(r => !r.Infusion)
                .Select(q => new ScoredAssessment(q.Id, q.At, q.Total, InstrumentDefinition.Phq9.SeverityOf(q.Total), false)));
            var actual = await GetOkAsync($"/api/v1/patients/{patient}/trends?instrument=phq9");
            Assert.Equal(Expected(expected, timeline), Actual(actual));
        }, iter: 40, threads: 1);
    }

    private static void Replace(List<Known> records, Known next) => records[records.FindIndex(r => r.Id == next.Id)] = next;

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
