using CsCheck;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Research;
using static KetamineOutcomes.Core.Tests.Research.ResearchFixtures;

namespace KetamineOutcomes.Core.Tests.Research;

/// <summary>
/// Research reads split the cohort into partitions read in parallel and merge their accumulators: whatever the split
/// and the order, the published figures are exactly those of one pass over the whole cohort.
/// </summary>
public class PartitionMergeProperties
{
    // The cohort, a partition number per patient, and k.
    private static readonly Gen<(ResearchPatient[] Patients, int[] Part, int K)> SplitGen =
        from patients in PatientGen.Array[0, 80]
        from part in Gen.Int[0, 2].Array[patients.Length]
        from k in Gen.Int[SmallCells.MinimumK, 8]
        select (patients, part, k);

    [Fact]
    public void Merged_trajectory_partitions_equal_one_pass_over_the_cohort() =>
        SplitGen.Sample(c =>
        {
            foreach (var grouping in new[] { TrajectoryGrouping.Session, TrajectoryGrouping.Week })
            {
                var whole = new TrajectoryAccumulator(Instrument.Phq9, grouping);
                foreach (var p in c.Patients) whole.Add(p);
                var parts = Enumerable.Range(0, 3).Select(_ => new TrajectoryAccumulator(Instrument.Phq9, grouping)).ToArray();
                // Each partition sees its patients in reverse order: order must not matter either.
                for (var i = c.Patients.Length - 1; i >= 0; i--) parts[c.Part[i]].Add(c.Patients[i]);
                parts[2].Merge(parts[0]);
                parts[2].Merge(parts[1]);
                if (!whole.Finish(c.K).SequenceEqual(parts[2].Finish(c.K))) return false;
            }
            return true;
        });

    [Fact]
    public void Merged_summary_partitions_equal_one_pass_over_the_cohort() =>
        SplitGen.Sample(c =>
        {
            var whole = new SummaryAccumulator(Instrument.Phq9);
            foreach (var p in c.Patients) whole.Add(p);
            var parts = Enumerable.Range(0, 3).Select(_ => new SummaryAccumulator(Instrument.Phq9)).ToArray();
            for (var i = c.Patients.Length - 1; i >= 0; i--) parts[c.Part[i]].Add(c.Patients[i]);
            parts[1].Merge(parts[2]);
            parts[1].Merge(parts[0]);
            return whole.Finish(c.K) == parts[1].Finish(c.K);
        });
}
