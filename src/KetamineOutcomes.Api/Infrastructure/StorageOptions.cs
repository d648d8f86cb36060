using System.ComponentModel.DataAnnotations;

namespace KetamineOutcomes.Api.Infrastructure;

/// <summary>"Storage" section. The connection string itself is <c>ConnectionStrings:Outcomes</c>.</summary>
public sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>Default embedded store: a SQLite file in the working directory.</summary>
    public const string DefaultSqliteConnectionString = "Data Source=ketamine-outcomes.db";

    /// <summary>Exactly <c>sqlite</c> or <c>postgres</c>: a list, another case, padding or a number stops the service (SPEC v2 Boundaries).</summary>
    [RegularExpression("^(sqlite|postgres)$", ErrorMessage = "Storage:Provider must be exactly one of: sqlite, postgres.")]
    public string Provider { get; set; } = "sqlite";

    /// <summary>Skip applying migrations at start (e.g. when a deploy step runs them). Readiness still checks them.</summary>
    public bool SkipMigrations { get; set; }

    [Range(0, 10)]
    public int RetryAttempts { get; set; } = 4;

    /// <summary>
    /// How long a write (or the audit row of a read) may wait for the store — a lock another process or transaction
    /// holds, an exhausted connection pool — before it fails closed: nothing stored or shown, 503 with Retry-After
    /// (SPEC v2 Security, continued). "hh:mm:ss"; 0.1 s to 5 min.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "00:05:00", ErrorMessage = "Storage:WriteTimeout must be between 00:00:00.1 and 00:05:00.")]
    public TimeSpan WriteTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The Retry-After of a 503 from the store: one more <see cref="WriteTimeout"/>, in whole seconds (at least 1).</summary>
    public int RetryAfterSeconds => Math.Max(1, (int)Math.Ceiling(WriteTimeout.TotalSeconds));

    /// <summary>
    /// SQLite only: concurrent writes share one transaction and one fsync (each in its own savepoint, acknowledged
    /// only after the COMMIT). Off: one transaction per write, as on PostgreSQL.
    /// </summary>
    public bool GroupCommit { get; set; } = true;
}

/// <summary>"Idempotency" section.</summary>
public sealed class IdempotencyOptions
{
    public const string SectionName = "Idempotency";

    /// <summary>
    /// How long an unfinished request holds its key before a retry may take it over (after a crash). 1 s to 1 h: zero
    /// or less would let a retry take over a request still being written, and store it twice.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Idempotency:InFlightLease must be between 00:00:01 and 01:00:00.")]
    public TimeSpan InFlightLease { get; set; } = TimeSpan.FromSeconds(60);
}

/// <summary>"Seed" section: <c>Seed:Demo=true</c> (or <c>--seed-demo</c>) loads the synthetic demo cohort at start.</summary>
public sealed class SeedOptions
{
    public const string SectionName = "Seed";

    public bool Demo { get; set; }
}
