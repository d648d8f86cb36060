using KetamineOutcomes.Core.Research;

namespace KetamineOutcomes.Data.Tests;

/// <summary>Keeps copies of what the research statistics read hands over, one entry per patient.</summary>
internal sealed class CourseCollector : ICourseSink
{
    public List<(long[] InfusionTicks, TimedScore[] Scores)> Patients { get; } = [];

    public void Add(ReadOnlySpan<long> infusionTicks, ReadOnlySpan<TimedScore> scores) => Patients.Add((infusionTicks.ToArray(), scores.ToArray()));
}
