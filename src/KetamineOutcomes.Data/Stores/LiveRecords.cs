namespace KetamineOutcomes.Data.Stores;

/// <summary>
/// The SQL form of <see cref="Core.RecordStatusRules.IsLive"/>: records that count in derived views (SPEC v2,
/// Corrections). Written exactly so in every query, which keeps the scans on the indexes that carry status
/// (migration 0015) index-only.
/// </summary>
internal static class LiveRecords
{
    /// <summary>A condition on the unqualified <c>status</c> column.</summary>
    public const string Condition = "status <> 'entered-in-error'";

    /// <summary><c>AND</c> <see cref="Condition"/>, or nothing when entered-in-error records are asked for too.</summary>
    public static string And(bool includeEnteredInError) => includeEnteredInError ? "" : " AND " + Condition;
}
