namespace KetamineOutcomes.Data.Infrastructure;

/// <summary>
/// Instants are stored as microseconds since the Unix epoch (UTC): exact comparison, index-friendly, and
/// PostgreSQL's timestamptz precision. Callers normalise inputs first so what is echoed equals what is read back.
/// </summary>
public static class DbTime
{
    private const long TicksPerMicrosecond = TimeSpan.TicksPerMillisecond / 1000;

    public static long ToDb(DateTimeOffset value) =>
        (value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / TicksPerMicrosecond;

    public static long? ToDb(DateTimeOffset? value) => value is { } v ? ToDb(v) : null;

    public static DateTimeOffset FromDb(long micros) =>
        new(DateTimeOffset.UnixEpoch.UtcTicks + micros * TicksPerMicrosecond, TimeSpan.Zero);

    /// <summary>The instant in UTC, truncated to whole microseconds (the precision the store keeps).</summary>
    public static DateTimeOffset Normalize(DateTimeOffset value) => FromDb(ToDb(value));
}
