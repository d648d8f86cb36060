using System.Data.Common;
using Dapper;
using KetamineOutcomes.Data.Infrastructure;

namespace KetamineOutcomes.Data.Stores;

public enum ReservationOutcome
{
    /// <summary>First use of the key (or a takeover of an abandoned one): go ahead.</summary>
    Reserved,
    /// <summary>The first request completed: replay its stored response.</summary>
    Replay,
    /// <summary>The key was used with a different request body.</summary>
    BodyMismatch,
    /// <summary>The first request with this key is still being processed.</summary>
    InFlight,
}

/// <param name="ETag">The answer's ETag (a correction's new version), sent again on a replay; null for creations.</param>
public sealed record StoredResponse(int Status, string? Location, string Body, string? ETag = null);

/// <summary>
/// Idempotency-Key records, scoped to the calling API key. A key is reserved in its own short transaction, then
/// completed in the same transaction as the record it created, so a replay can never point at a lost write.
/// </summary>
public static class IdempotencyStore
{
    private sealed class Row
    {
        public string RequestHash { get; set; } = "";
        public string State { get; set; } = "";
        public long? ResponseStatus { get; set; }
        public string? ResponseLocation { get; set; }
        public string? ResponseBody { get; set; }
        public string? ResponseEtag { get; set; }
        public DateTimeOffset CreatedAt { get; set; }
    }

    /// <param name="lease">How long an in-flight reservation blocks others; after that it is taken to be abandoned (crash).</param>
    public static ValueTask<(ReservationOutcome Outcome, StoredResponse? Response)> ReserveAsync(
        Database db, string scope, string key, string requestHash, DateTimeOffset now, TimeSpan lease, CancellationToken ct) =>
        db.WriteAsync((c, tx, t) => ReserveAsync(c, tx, scope, key, requestHash, now, lease, t), ct);

    /// <summary>
    /// Reserves inside the caller's transaction. With group commit the reservation, the record and the stored response
    /// then commit together: a concurrent duplicate runs after it in the writer and replays.
    /// </summary>
    public static async Task<(ReservationOutcome Outcome, StoredResponse? Response)> ReserveAsync(
        DbConnection c, DbTransaction tx, string scope, string key, string requestHash, DateTimeOffset now, TimeSpan lease, CancellationToken t)
    {
        const string select = """
            SELECT request_hash AS RequestHash, state AS State, response_status AS ResponseStatus,
                   response_location AS ResponseLocation, response_body AS ResponseBody, response_etag AS ResponseEtag, created_at AS CreatedAt
            FROM idempotency_requests WHERE scope = @scope AND idempotency_key = @key
            """;
        // ON CONFLICT: two first requests racing (PostgreSQL, several instances) — the loser reads the winner's row.
        const string insert = """
            INSERT INTO idempotency_requests (scope, idempotency_key, request_hash, state, created_at)
            VALUES (@scope, @key, @requestHash, 'in-flight', @now)
            ON CONFLICT (scope, idempotency_key) DO NOTHING
            """;
        const string takeOver = """
            UPDATE idempotency_requests SET created_at = @now
            WHERE scope = @scope AND idempotency_key = @key AND state = 'in-flight' AND created_at = @seen
            """;
        // Insert first: a fresh key (the common case) costs one statement.
        if (await c.ExecuteAsync(new CommandDefinition(insert, new { scope, key, requestHash, now = DbTime.ToDb(now) }, tx, cancellationToken: t)).ConfigureAwait(false) == 1)
            return (ReservationOutcome.Reserved, null);
        var row = await c.QuerySingleAsync<Row>(new CommandDefinition(select, new { scope, key }, tx, cancellationToken: t)).ConfigureAwait(false);
        if (!string.Equals(row.RequestHash, requestHash, StringComparison.Ordinal)) return (ReservationOutcome.BodyMismatch, null);
        if (row.State == "completed")
            return (ReservationOutcome.Replay, new StoredResponse((int)row.ResponseStatus!.Value, row.ResponseLocation, row.ResponseBody ?? "", row.ResponseEtag));
        if (now - row.CreatedAt < lease) return (ReservationOutcome.InFlight, null);
        var taken = await c.ExecuteAsync(new CommandDefinition(takeOver, new { scope, key, now = DbTime.ToDb(now), seen = DbTime.ToDb(row.CreatedAt) }, tx, cancellationToken: t)).ConfigureAwait(false);
        return (taken == 1 ? ReservationOutcome.Reserved : ReservationOutcome.InFlight, null);
    }

    /// <summary>Stores the response, inside the transaction that stored the created record.</summary>
    public static async Task CompleteAsync(DbConnection c, DbTransaction tx, string scope, string key, StoredResponse response, DateTimeOffset now, CancellationToken ct)
    {
        const string sql = """
            UPDATE idempotency_requests
            SET state = 'completed', response_status = @Status, response_location = @Location, response_body = @Body, response_etag = @ETag, completed_at = @now
            WHERE scope = @scope AND idempotency_key = @key AND state = 'in-flight'
            """;
        var updated = await c.ExecuteAsync(new CommandDefinition(sql, new { scope, key, response.Status, response.Location, response.Body, response.ETag, now = DbTime.ToDb(now) }, tx, cancellationToken: ct)).ConfigureAwait(false);
        // Another request took the key over after our lease ran out: roll our write back rather than create a twin.
        if (updated != 1) throw new IdempotencyLeaseLostException();
    }

    /// <summary>Frees a reservation whose request failed, so the client may retry with the same key.</summary>
    public static ValueTask<int> ReleaseAsync(Database db, string scope, string key, CancellationToken ct) =>
        db.WriteAsync((c, tx, t) => c.ExecuteAsync(new CommandDefinition(
            "DELETE FROM idempotency_requests WHERE scope = @scope AND idempotency_key = @key AND state = 'in-flight'",
            new { scope, key }, tx, cancellationToken: t)), ct);
}

/// <summary>The reservation expired and another request took the key over while this one was still running.</summary>
public sealed class IdempotencyLeaseLostException() : Exception("The Idempotency-Key was taken over by a later request.");
