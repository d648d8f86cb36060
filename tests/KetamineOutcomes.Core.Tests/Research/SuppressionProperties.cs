using CsCheck;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Research;
using KetamineOutcomes.Core.Trends;
using static KetamineOutcomes.Core.Tests.Research.ResearchFixtures;

namespace KetamineOutcomes.Core.Tests.Research;

/// <summary>Whatever the cohort, nothing published reveals a count from 1 to k−1.</summary>
public class SuppressionProperties
{
    private static readonly Gen<(ResearchPatient[] Patients, int K)> CohortGen =
        Gen.Select(PatientGen.Array[0, 60], Gen.Int[SmallCells.MinimumK, 12]);

    [Fact]
    public void Trajectory_buckets_publish_only_counts_and_rates_the_rule_allows() =>
        CohortGen.Sample(c =>
        {
            foreach (var grouping in new[] { TrajectoryGrouping.Session, TrajectoryGrouping.Week })
            {
                var acc = new TrajectoryAccumulator(Instrument.Phq9, grouping);
                foreach (var p in c.Patients) acc.Add(p);
                foreach (var b in acc.Finish(c.K))
                {
                    if (b.Suppressed && (b.N ?? b.Mean ?? b.ResponseRate ?? b.RemissionRate) is not null) return false;
                    if (!b.Suppressed && b.N < c.K) return false;
                    if (b.RateSuppressed && b.ResponseRate is not null && b.RemissionRate is not null) return false;
                }
            }
            return true;
        });

    [Fact]
    public void Published_rates_always_have_numerator_and_complement_of_0_or_at_least_k() =>
        CohortGen.Sample(c =>
        {
            var acc = new TrajectoryAccumulator(Instrument.Phq9, TrajectoryGrouping.Session);
            foreach (var p in c.Patients) acc.Add(p);
            var published = acc.Finish(c.K).Where(b => !b.Suppressed).ToDictionary(b => b.Bucket.Number!.Value);
            // Recount independently: each patient's last assessment per session, evaluable post-baseline only.
            var counts = new Dictionary<int, (int Den, int Resp, int Rem)>();
            foreach (var p in c.Patients)
            {
                var trend = TrendCalculator.Compute(Instrument.Phq9, p.Timeline, p.Assessments);
                foreach (var last in trend.Points.GroupBy(x => x.Timepoint.SessionNumber).Select(g => g.Last()).Where(x => x.Flags is not null))
                {
                    var (den, resp, rem) = counts.GetValueOrDefault(last.Timepoint.SessionNumber);
                    counts[last.Timepoint.SessionNumber] = (den + 1, resp + (last.Flags!.Response || last.Flags.Remission ? 1 : 0), rem + (last.Flags.Remission ? 1 : 0));
                }
            }
            foreach (var (session, b) in published)
            {
                var (den, resp, rem) = counts.GetValueOrDefault(session);
                bool Ok(int num) => SmallCells.Publishable(num, c.K) && SmallCells.Publishable(den - num, c.K);
                if (b.ResponseRate is not null && !Ok(resp)) return false;
                if (b.RemissionRate is not null && !Ok(rem)) return false;
                if (den > 0 && b.ResponseRate is null && Ok(resp)) return false; // nothing hidden needlessly
            }
            return true;
        });

    [Fact]
    public void Summary_never_shows_a_count_or_difference_of_counts_from_1_to_k_minus_1() =>
        CohortGen.Sample(c =>
        {
            var acc = new SummaryAccumulator(Instrument.Phq9);
            foreach (var p in c.Patients) acc.Add(p);
            var s = acc.Finish(c.K);
            if (s.Suppressed) return s.CohortN is null && s.EvaluableN is null && s.MeanBaseline is null && s.Latest is null;
            if (s.CohortN is { } n && !SmallCells.Publishable(n, c.K)) return false;
            if (s.EvaluableN is { } e && (!SmallCells.Publishable(e, c.K) || !SmallCells.Publishable(s.CohortN!.Value - e, c.K))) return false;
            return true;
        });
}
