namespace KetamineOutcomes.Core.Notifications;

/// <summary>
/// When a failed webhook delivery is tried again: exponential backoff (base × 2^(n−1), capped) with full jitter in
/// [50 %, 150 %) of that delay, so many deliveries failing together do not retry in lockstep. The time is stored with
/// the delivery, so the schedule survives restarts.
/// </summary>
public static class RedeliverySchedule
{
    /// <param name="failedAttempts">Attempts made so far (≥ 1).</param>
    /// <param name="jitter">A number in [0, 1), e.g. <see cref="Random.NextDouble"/>.</param>
    public static TimeSpan DelayAfter(int failedAttempts, TimeSpan baseDelay, TimeSpan maxDelay, double jitter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(jitter);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(jitter, 1.0);
        // 2^30 × any sane base already exceeds the cap: stop doubling there to avoid overflow.
        var exponential = baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(failedAttempts - 1, 30));
        var capped = Math.Min(exponential, maxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.5 + jitter));
    }
}
