namespace KetamineOutcomes.Core.Research;

/// <summary>Takes a cohort one patient at a time, as the research store reads it.</summary>
public interface ICourseSink
{
    /// <summary>One patient: infusion times (UTC ticks) ascending, scores in time order (see <see cref="ResearchCourse"/>).</summary>
    void Add(ReadOnlySpan<long> infusionTicks, ReadOnlySpan<TimedScore> scores);
}
