using System.ComponentModel.DataAnnotations;

namespace KetamineOutcomes.Api.Plans;

/// <summary>"Scheduler" section: the <c>assessment.due</c> scheduler (<see cref="AssessmentDueScheduler"/>).</summary>
public sealed class SchedulerOptions
{
    public const string SectionName = "Scheduler";

    /// <summary>False: no <c>assessment.due</c> events are written (nothing else changes).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Time between two passes over every patient. An occurrence's event is written on the first pass at or after its
    /// dueAt (while its window is open), so a reminder is at most this late.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00", ErrorMessage = "Scheduler:Interval must be between 00:00:00.010 and 01:00:00.")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);
}
