using CsCheck;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Research;
using KetamineOutcomes.Core.Timepoints;
using KetamineOutcomes.Core.Trends;

namespace KetamineOutcomes.Core.Tests.Research;

internal static class ResearchFixtures
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    /// <summary>A patient with infusions on the given days and PHQ-9 totals at (day offset, total).</summary>
    public static ResearchPatient Patient(int[] infusionDays, params (double Day, int Total)[] scores) => new(
        new InfusionTimeline(infusionDays.Select(d => new InfusionMoment(Guid.NewGuid(), T0.AddDays(d)))),
        scores.Select(s => new ScoredAssessment(Guid.NewGuid(), T0.AddDays(s.Day), s.Total, InstrumentDefinition.Phq9.SeverityOf(s.Total), false)).ToArray());

    public static readonly int[] Course = [0, 2, 4, 7, 9, 11];

    /// <summary>Any patient: 0–8 infusions and 1–6 PHQ-9 totals from before the course to well after it.</summary>
    public static readonly Gen<ResearchPatient> PatientGen =
        from infusions in Gen.Int[0, 8]
        from scores in Gen.Select(Gen.Double[-35, 60], Gen.Int[0, 27]).Array[1, 6]
        select Patient(Course.Concat([20, 30]).Take(infusions).ToArray(), scores);
}
