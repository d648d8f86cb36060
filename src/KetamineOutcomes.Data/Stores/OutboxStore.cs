using System.Data.Common;
using Dapper;
using KetamineOutcomes.Data.Infrastructure;

namespace KetamineOutcomes.Data.Stores;

/// <param name="AlertId">The alert a <c>safety-alert.created</c> event is about; null for the other event types.</param>
/// <param name="PatientId">The patient the event is about (a site-bound admin sees the deliveries of its site's patients).</param>
public sealed record OutboxEvent(Guid Id, string Type, Guid? AlertId, Guid PatientId, string Payload, DateTimeOffset CreatedAt);

/// <summary>
/// A configured receiver of events, by its stable name only: deliveries store the name, and the dispatcher looks the URL
/// up in configuration at send time, so no receiver URL (which may carry a token) is ever written to the database.
/// </summary>
public sealed record WebhookTarget(string Name);

/// <summary>Pending deliveries and the creation time of the oldest (null when none).</summary>
public sealed record DeliveryBacklog(long Pending, DateTimeOffset? OldestCreatedAt);

public sealed record WebhookDelivery(
    Guid Id, Guid EventId, string EndpointName, string Status, int Attempts, DateTimeOffset NextAttemptAt,
    string? LastError, DateTimeOffset? DeliveredAt, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>A claimed delivery with what is needed to send it.</summary>
public sealed record ClaimedDelivery(Guid Id, Guid EventId, string EventType, string EndpointName, int Attempts, string Payload);

/// <summary>The transactional outbox: events written with their alert, deliveries claimed and settled by dispatchers.</summary>
public static class OutboxStore
{
    private const string DeliveryColumns = """
        id AS Id, event_id AS EventId, endpoint_name AS EndpointName, status AS Status, attempts AS Attempts,
        next_attempt_at AS NextAttemptAt, last_error AS LastError, delivered_at AS DeliveredAt, created_at AS CreatedAt, updated_at AS UpdatedAt
        """;

    private sealed class DeliveryRow
    {
        public Guid Id { get; set; }
        public Guid EventId { get; set; }
        public string EndpointName { get; set; } = "";
        public string Status { get; set; } = "";
        public long Attempts { get; set; }
        public DateTimeOffset NextAttemptAt { get; set; }
        public string? LastError { get; set; }
        public DateTimeOffset? DeliveredAt { get; set; }
        public DateTimeOffset CreatedAt { get; set; }
        public DateTimeOffset UpdatedAt { get; set; }
        public string EventType { get; set; } = "";
        public string Payload { get; set; } = "";

        public WebhookDelivery ToRecord() =>
            new(Id, EventId, EndpointName, Status, (int)Attempts, NextAttemptAt, LastError, DeliveredAt, CreatedAt, UpdatedAt);
    }

    private const string EventSql = """
        INSERT INTO outbox_events (id, type, alert_id, patient_id, payload, created_at) VALUES (@Id, @Type, @AlertId, @PatientId, @Payload, @CreatedAt)
        """;

    /// <summary>Writes the event and one pending delivery per target, in the caller's transaction.</summary>
    public static async Task EnqueueAsync(DbConnection c, DbTransaction tx, OutboxEvent e, IReadOnlyList<WebhookTarget> targets, CancellationToken ct)
    {
        await c.ExecuteAsync(new CommandDefinition(EventSql, EventArgs(e), tx, cancellationToken: ct)).ConfigureAwait(false);
        await AddDeliveriesAsync(c, tx, e, targets, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes the event and its deliveries unless an event with its id already exists (then nothing, and false): for
    /// events whose id is derived from what they are about (<c>assessment.due</c>, <c>response.lost</c>,
    /// <c>remission.relapsed</c>), so writers that race or repeat
    /// themselves — a restart, a second instance on one PostgreSQL database — store it once. On PostgreSQL a racing
    /// insert of the same id waits for the first transaction and then does nothing.
    /// </summary>
    public static async Task<bool> EnqueueIfAbsentAsync(DbConnection c, DbTransaction tx, OutboxEvent e, IReadOnlyList<WebhookTarget> targets, CancellationToken ct)
    {
        var inserted = await c.ExecuteAsync(new CommandDefinition(EventSql + " ON CONFLICT (id) DO NOTHING", EventArgs(e), tx, cancellationToken: ct)).ConfigureAwait(false);
        if (inserted == 0) return false;
        await AddDeliveriesAsync(c, tx, e, targets, ct).ConfigureAwait(false);
        return true;
    }

    /// <summary>Which of <paramref name="ids"/> are already in the outbox (a cheap read before a batch of <see cref="EnqueueIfAbsentAsync"/>).</summary>
    public static async Task<HashSet<Guid>> ExistingAsync(DbConnection c, IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        if (ids.Count == 0) return [];
        var found = await c.QueryAsync<Guid>(new CommandDefinition(
            $"SELECT id FROM outbox_events WHERE {SqlDialect.InList(c, "id", "ids")}",
            new { ids = ids.ToArray() }, cancellationToken: ct)).ConfigureAwait(false);
        return [.. found];
    }

    private static object EventArgs(OutboxEvent e) => new { e.Id, e.Type, e.AlertId, e.PatientId, e.Payload, CreatedAt = DbTime.ToDb(e.CreatedAt) };

    private static async Task AddDeliveriesAsync(DbConnection c, DbTransaction tx, OutboxEvent e, IReadOnlyList<WebhookTarget> targets, CancellationToken ct)
    {
        const string deliverySql = """
            INSERT INTO webhook_deliveries (id, event_id, endpoint_name, status, attempts, next_attempt_at, created_at, updated_at)
            VALUES (@id, @eventId, @name, 'pending', 0, @now, @now, @now)
            """;
        if (targets.Count == 0) return;
        var now = DbTime.ToDb(e.CreatedAt);
        await c.ExecuteAsync(new CommandDefinition(deliverySql,
            targets.Select(t => new { id = Guid.CreateVersion7(), eventId = e.Id, name = t.Name, now }), tx, cancellationToken: ct)).ConfigureAwait(false);
    }

    /// <summary>
    /// Claims up to <paramref name="batch"/> due deliveries for one dispatcher until <paramref name="leaseUntil"/>:
    /// one statement in a write transaction, so two dispatchers never hold the same delivery at once.
    /// </summary>
    public static ValueTask<IReadOnlyList<ClaimedDelivery>> ClaimDueAsync(Database db, string dispatcher, DateTimeOffset now, DateTimeOffset leaseUntil, int batch, CancellationToken ct) =>
        db.WriteAsync<IReadOnlyList<ClaimedDelivery>>(async (c, tx, t) =>
        {
            var ids = (await c.QueryAsync<Guid>(new CommandDefinition(db.Connections.Provider == "postgres" ? ClaimPostgres : ClaimSqlite, new
            {
                dispatcher, now = DbTime.ToDb(now), leaseUntil = DbTime.ToDb(leaseUntil), batch,
            }, tx, cancellationToken: t)).ConfigureAwait(false)).ToArray();
            if (ids.Length == 0) return [];
            const string load = """
                SELECT d.id AS Id, d.event_id AS EventId, e.type AS EventType, d.endpoint_name AS EndpointName,
                       d.attempts AS Attempts, e.payload AS Payload
                FROM webhook_deliveries d JOIN outbox_events e ON e.id = d.event_id
                WHERE d.claimed_by = @dispatcher AND d.claimed_until = @leaseUntil AND d.status = 'pending'
                ORDER BY d.next_attempt_at, d.id
                """;
            var rows = await c.QueryAsync<DeliveryRow>(new CommandDefinition(load, new { dispatcher, leaseUntil = DbTime.ToDb(leaseUntil) }, tx, cancellationToken: t)).ConfigureAwait(false);
            return rows.Select(r => new ClaimedDelivery(r.Id, r.EventId, r.EventType, r.EndpointName, (int)r.Attempts, r.Payload)).ToArray();
        }, ct);

    // SQLite: the write transaction itself serialises claimers. PostgreSQL: SKIP LOCKED lets concurrent claimers
    // pass each other's rows, and the outer condition is re-checked on the locked row.
    private const string ClaimSqlite = """
        UPDATE webhook_deliveries SET claimed_by = @dispatcher, claimed_until = @leaseUntil, updated_at = @now
        WHERE id IN (
            SELECT id FROM webhook_deliveries
            WHERE status = 'pending' AND next_attempt_at <= @now AND (claimed_until IS NULL OR claimed_until < @now)
            ORDER BY next_attempt_at, id
            LIMIT @batch)
        RETURNING id
        """;

    private const string ClaimPostgres = """
        UPDATE webhook_deliveries SET claimed_by = @dispatcher, claimed_until = @leaseUntil, updated_at = @now
        WHERE id IN (
            SELECT id FROM webhook_deliveries
            WHERE status = 'pending' AND next_attempt_at <= @now AND (claimed_until IS NULL OR claimed_until < @now)
            ORDER BY next_attempt_at, id
            LIMIT @batch
            FOR UPDATE SKIP LOCKED)
          AND status = 'pending' AND (claimed_until IS NULL OR claimed_until < @now)
        RETURNING id
        """;

    /// <summary>Settles a claimed delivery: delivered, rescheduled, or failed for good. Only the claim holder may settle it.</summary>
    public static ValueTask<int> SettleAsync(Database db, Guid id, string dispatcher, string status, int attempts, DateTimeOffset nextAttemptAt,
        string? lastError, DateTimeOffset now, CancellationToken ct) =>
        db.WriteAsync((c, tx, t) => c.ExecuteAsync(new CommandDefinition("""
            UPDATE webhook_deliveries
            SET status = @status, attempts = @attempts, next_attempt_at = @next, last_error = @lastError,
                delivered_at = CASE WHEN @status = 'delivered' THEN @now ELSE delivered_at END,
                claimed_by = NULL, claimed_until = NULL, updated_at = @now
            WHERE id = @id AND claimed_by = @dispatcher
            """, new { id, dispatcher, status, attempts, next = DbTime.ToDb(nextAttemptAt), lastError, now = DbTime.ToDb(now) }, tx, cancellationToken: t)), ct);

    /// <summary>Deliveries of events about one site's patients (a site-bound admin's view), or all when null.</summary>
    private const string OfSite = """
        (@siteId IS NULL OR event_id IN (SELECT o.id FROM outbox_events o JOIN patients p ON p.id = o.patient_id WHERE p.site_id = @siteId))
        """;

    /// <summary>Deliveries in id order; <paramref name="siteId"/> keeps only those about that site's patients.</summary>
    public static async Task<Page<WebhookDelivery>> ListAsync(DbConnection c, string? status, string? cursor, int limit, CancellationToken ct, string? siteId = null)
    {
        const string sql = $"""
            SELECT {DeliveryColumns} FROM webhook_deliveries
            WHERE (@status IS NULL OR status = @status) AND (@after IS NULL OR id > @after) AND {OfSite}
            ORDER BY id
            LIMIT @take
            """;
        Guid? after = cursor is null ? null : Keyset.Decode(cursor).Id;
        var rows = (await c.QueryAsync<DeliveryRow>(new CommandDefinition(sql, new { status, after, siteId, take = limit + 1 }, cancellationToken: ct)).ConfigureAwait(false)).ToList();
        return Page<WebhookDelivery>.FromRows(rows, limit, r => Keyset.Encode(null, r.Id), r => r.ToRecord());
    }

    /// <summary>One delivery, or null when there is none (or, with <paramref name="siteId"/>, none about that site's patients).</summary>
    public static async Task<WebhookDelivery?> ListByIdAsync(DbConnection c, Guid id, CancellationToken ct, string? siteId = null) =>
        (await c.QuerySingleOrDefaultAsync<DeliveryRow>(new CommandDefinition(
            $"SELECT {DeliveryColumns} FROM webhook_deliveries WHERE id = @id AND {OfSite}", new { id, siteId }, cancellationToken: ct)).ConfigureAwait(false))?.ToRecord();

    /// <summary>The site of the patient a delivery's event is about (null: unbound patient, or no such delivery).</summary>
    public static Task<string?> SiteOfAsync(DbConnection c, Guid id, CancellationToken ct) =>
        c.QuerySingleOrDefaultAsync<string?>(new CommandDefinition("""
            SELECT p.site_id FROM webhook_deliveries d JOIN outbox_events o ON o.id = d.event_id
            JOIN patients p ON p.id = o.patient_id
            WHERE d.id = @id
            """, new { id }, cancellationToken: ct));

    /// <summary>
    /// The delivery backlog for operators' metrics: how many deliveries are pending (not yet delivered, not failed for
    /// good) and when the oldest of them was created (null when none). One aggregate over the (status, …) index.
    /// </summary>
    public static async Task<DeliveryBacklog> BacklogAsync(DbConnection c, CancellationToken ct)
    {
        var (count, oldest) = await c.QuerySingleAsync<(long Count, long? Oldest)>(new CommandDefinition(
            "SELECT COUNT(*) AS Count, MIN(created_at) AS Oldest FROM webhook_deliveries WHERE status = 'pending'", cancellationToken: ct)).ConfigureAwait(false);
        return new DeliveryBacklog(count, oldest is { } o ? DbTime.FromDb(o) : null);
    }

    /// <summary>Puts a failed delivery back in the queue with a fresh attempt budget; null when there is no such delivery.</summary>
    public static async Task<WebhookDelivery?> RetryAsync(DbConnection c, DbTransaction tx, Guid id, DateTimeOffset now, CancellationToken ct)
    {
        var micros = DbTime.ToDb(now);
        await c.ExecuteAsync(new CommandDefinition("""
            UPDATE webhook_deliveries SET status = 'pending', attempts = 0, next_attempt_at = @micros, last_error = NULL, updated_at = @micros
            WHERE id = @id AND status = 'failed'
            """, new { id, micros }, tx, cancellationToken: ct)).ConfigureAwait(false);
        var row = await c.QuerySingleOrDefaultAsync<DeliveryRow>(new CommandDefinition(
            $"SELECT {DeliveryColumns} FROM webhook_deliveries WHERE id = @id", new { id }, tx, cancellationToken: ct)).ConfigureAwait(false);
        return row?.ToRecord();
    }
}
