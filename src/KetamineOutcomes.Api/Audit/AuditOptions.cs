using System.ComponentModel.DataAnnotations;

namespace KetamineOutcomes.Api.Audit;

/// <summary>"Audit" section: how many refusals of calls without a valid key get a row of their own (README "Security").</summary>
public sealed class AuditOptions
{
    public const string SectionName = "Audit";

    /// <summary>
    /// Per client address (an IPv6 client by its /64) and one-minute window: this many refusals get a row each; the
    /// rest of the window are counted into one aggregated row.
    /// </summary>
    [Range(0, 100_000)]
    public int AnonymousRefusalRowsPerMinute { get; set; } = 20;

    /// <summary>Addresses tracked at once (memory bound); refusals from further addresses share one counted entry.</summary>
    [Range(1, 1_000_000)]
    public int AnonymousRefusalAddressesTracked { get; set; } = 1_000;
}
