using System.ComponentModel.DataAnnotations;
using KetamineOutcomes.Core.Research;

namespace KetamineOutcomes.Api.Infrastructure;

/// <summary>"Research" section.</summary>
public sealed class ResearchOptions
{
    public const string SectionName = "Research";

    /// <summary>k of the CMS cell-size rule: no count from 1 to k−1 is published. Below 5 the service refuses to start.</summary>
    [Range(SmallCells.MinimumK, 1000, ErrorMessage = "Research:MinCellSize must be at least 5.")]
    public int MinCellSize { get; set; } = 11;
}
