using System.ComponentModel.DataAnnotations;

namespace KetamineOutcomes.Api.ResponseWatch;

/// <summary>"ResponseWatch" section: the pass that writes <c>response.lost</c> and <c>remission.relapsed</c> (<see cref="ResponseWatchPass"/>).</summary>
public sealed class ResponseWatchOptions
{
    public const string SectionName = "ResponseWatch";

    /// <summary>False: no such events are written (the worklist is unaffected).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Time between two passes; a setback's event is written on the first pass after it is stored, so at most this late.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00", ErrorMessage = "ResponseWatch:Interval must be between 00:00:00.010 and 01:00:00.")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);
}
