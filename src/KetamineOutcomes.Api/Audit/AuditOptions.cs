using System.ComponentModel.DataAnnotations;

namespace KetamineOutcomes.Api.Audit;

/// <summary>
/// "Audit" section: when a read's audit row must be durable (README "Security", "Read audit durability") and how many
/// refusals of calls without a valid key get a row of their own (README "Security").
/// </summary>
public sealed class AuditOptions : IValidatableObject
{
    public const string SectionName = "Audit";

    /// <summary>The default: an answer carrying patient data leaves only after its audit row is durable (issue 12).</summary>
    public const string Strict = "strict";

    /// <summary>A read's audit row joins the next group commit (or background batch) without holding the answer (issue 24).</summary>
    public const string Deferred = "deferred";

    /// <summary>
    /// <c>strict</c> (default) or <c>deferred</c>, exactly (lower case, no padding). Writes' audit rows commit inside the
    /// write's own transaction either way; streamed answers (the research export) keep their row before the first byte.
    /// </summary>
    public string ReadDurability { get; set; } = Strict;

    /// <summary>
    /// Deferred mode: audit rows that may wait for the store at once (memory bound). Past it, a read writes its row
    /// itself and waits, as in strict mode.
    /// </summary>
    [Range(1, 1_000_000)]
    public int DeferredRowsQueued { get; set; } = 10_000;

    /// <summary>True when read audit rows are deferred.</summary>
    public bool DefersReads => ReadDurability == Deferred;

    /// <summary>
    /// Per client address (an IPv6 client by its /64) and one-minute window: this many refusals get a row each; the
    /// rest of the window are counted into one aggregated row.
    /// </summary>
    [Range(0, 100_000)]
    public int AnonymousRefusalRowsPerMinute { get; set; } = 20;

    /// <summary>Addresses tracked at once (memory bound); refusals from further addresses share one counted entry.</summary>
    [Range(1, 1_000_000)]
    public int AnonymousRefusalAddressesTracked { get; set; } = 1_000;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        // Exact names only: a typo or another case must stop the service, not quietly weaken (or keep) the promise.
        if (ReadDurability is not (Strict or Deferred))
            yield return new ValidationResult($"Audit:ReadDurability must be exactly one of: {Strict}, {Deferred}.", [nameof(ReadDurability)]);
    }
}
