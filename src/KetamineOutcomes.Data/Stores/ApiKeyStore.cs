using System.Data.Common;
using Dapper;
using KetamineOutcomes.Data.Infrastructure;

namespace KetamineOutcomes.Data.Stores;

/// <param name="PatientId">The one patient a portal key for that patient's own app is bound to (migration 0012); null for every other key.</param>
public sealed record ApiKeyRecord(
    Guid Id, string Name, string Role, string? SiteId, string KeyPrefix, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt, Guid? PatientId = null);

/// <summary>API keys, stored only as SHA-256 hashes (the keys are 256-bit random, so a fast hash is enough).</summary>
public static class ApiKeyStore
{
    /// <summary>Fixed id of the key configured as Auth:BootstrapAdminKey.</summary>
    public static readonly Guid BootstrapKeyId = new("00000000-0000-0000-0000-00000000b007");

    private const string Columns = "id AS Id, name AS Name, role AS Role, site_id AS SiteId, key_prefix AS KeyPrefix, created_at AS CreatedAt, revoked_at AS RevokedAt, patient_id AS PatientId";

    private sealed class Row
    {
        public Guid Id { get; set; }
        public string Name { get; set; } = "";
        public string Role { get; set; } = "";
        public string? SiteId { get; set; }
        public string KeyPrefix { get; set; } = "";
        public DateTimeOffset CreatedAt { get; set; }
        public DateTimeOffset? RevokedAt { get; set; }
        public Guid? PatientId { get; set; }
        public byte[] KeyHash { get; set; } = [];

        public ApiKeyRecord ToRecord() => new(Id, Name, Role, SiteId, KeyPrefix, CreatedAt, RevokedAt, PatientId);
    }

    public static Task InsertAsync(DbConnection c, DbTransaction tx, ApiKeyRecord key, byte[] keyHash, CancellationToken ct)
    {
        const string sql = """
            INSERT INTO api_keys (id, name, role, site_id, key_hash, key_prefix, created_at, revoked_at, patient_id)
            VALUES (@Id, @Name, @Role, @SiteId, @keyHash, @KeyPrefix, @CreatedAt, NULL, @PatientId)
            """;
        return c.ExecuteAsync(new CommandDefinition(sql, new
        {
            key.Id, key.Name, key.Role, key.SiteId, keyHash, key.KeyPrefix, CreatedAt = DbTime.ToDb(key.CreatedAt), key.PatientId,
        }, tx, cancellationToken: ct));
    }

    /// <summary>The active (not revoked) key with this hash, with its stored hash for the constant-time comparison.</summary>
    public static async Task<(ApiKeyRecord Key, byte[] StoredHash)?> FindActiveByHashAsync(DbConnection c, byte[] keyHash, CancellationToken ct)
    {
        // Read by hand, not mapped: this lookup sits in front of every request.
        const string sql = "SELECT id, name, role, site_id, key_prefix, created_at, key_hash, patient_id FROM api_keys WHERE key_hash = @keyHash AND revoked_at IS NULL";
        var rows = await HandRead.ListAsync(c, new CommandDefinition(sql, new { keyHash }, cancellationToken: ct), r => (
            Key: new ApiKeyRecord(r.GetGuid(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3),
                r.GetString(4), DbTime.FromDb(r.GetInt64(5)), null, r.IsDBNull(7) ? null : r.GetGuid(7)),
            StoredHash: (byte[])r.GetValue(6))).ConfigureAwait(false);
        if (rows.Count > 1) throw new InvalidOperationException("Two active keys share one hash.");
        return rows.Count == 0 ? null : rows[0];
    }

    public static async Task<IReadOnlyList<ApiKeyRecord>> ListAsync(DbConnection c, CancellationToken ct)
    {
        const string sql = $"SELECT {Columns} FROM api_keys ORDER BY created_at, id";
        return (await c.QueryAsync<Row>(new CommandDefinition(sql, cancellationToken: ct)).ConfigureAwait(false)).Select(r => r.ToRecord()).ToArray();
    }

    public static async Task<ApiKeyRecord?> GetAsync(DbConnection c, Guid id, CancellationToken ct, DbTransaction? tx = null)
    {
        const string sql = $"SELECT {Columns} FROM api_keys WHERE id = @id";
        return (await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(sql, new { id }, tx, cancellationToken: ct)).ConfigureAwait(false))?.ToRecord();
    }

    /// <summary>Revokes a key; false when it does not exist. Revoking twice keeps the first time.</summary>
    public static async Task<bool> RevokeAsync(DbConnection c, DbTransaction tx, Guid id, DateTimeOffset now, CancellationToken ct)
    {
        const string sql = "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, @now) WHERE id = @id";
        return await c.ExecuteAsync(new CommandDefinition(sql, new { id, now = DbTime.ToDb(now) }, tx, cancellationToken: ct)).ConfigureAwait(false) == 1;
    }

    /// <summary>
    /// Makes the configured bootstrap admin key usable: inserted the first time; a changed key replaces the old one
    /// (rotation through configuration); the same key once revoked through the API stays revoked. No key configured
    /// revokes the row and forgets its hash, so a key set again later (the same one included) works.
    /// </summary>
    public static async Task<BootstrapKeyState> SyncBootstrapAsync(DbConnection c, DbTransaction tx, byte[]? keyHash, string? prefix, DateTimeOffset now, CancellationToken ct)
    {
        var existing = await c.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns}, key_hash AS KeyHash FROM api_keys WHERE id = @id", new { id = BootstrapKeyId }, tx, cancellationToken: ct)).ConfigureAwait(false);
        if (keyHash is null)
        {
            // The setting was removed: revoke, and forget the key's hash, so that setting a key again — the same one
            // included — makes it work again. (A key revoked through the API keeps its hash: that one stays revoked.)
            if (existing is not null)
            {
                const string forget = "UPDATE api_keys SET key_hash = @unset, revoked_at = COALESCE(revoked_at, @now) WHERE id = @id";
                await c.ExecuteAsync(new CommandDefinition(forget, new { id = BootstrapKeyId, unset = UnsetBootstrapHash, now = DbTime.ToDb(now) }, tx, cancellationToken: ct)).ConfigureAwait(false);
            }
            return BootstrapKeyState.NotConfigured;
        }
        if (existing is null)
        {
            // Instances starting together may race here: the first insert wins, the others change nothing.
            const string insert = """
                INSERT INTO api_keys (id, name, role, site_id, key_hash, key_prefix, created_at, revoked_at)
                VALUES (@id, 'bootstrap admin (Auth:BootstrapAdminKey)', 'admin', NULL, @keyHash, @prefix, @now, NULL)
                ON CONFLICT DO NOTHING
                """;
            await c.ExecuteAsync(new CommandDefinition(insert, new { id = BootstrapKeyId, keyHash, prefix, now = DbTime.ToDb(now) }, tx, cancellationToken: ct)).ConfigureAwait(false);
            return BootstrapKeyState.Active;
        }
        if (!existing.KeyHash.AsSpan().SequenceEqual(keyHash))
        {
            const string sql = "UPDATE api_keys SET key_hash = @keyHash, key_prefix = @prefix, created_at = @now, revoked_at = NULL WHERE id = @id";
            await c.ExecuteAsync(new CommandDefinition(sql, new { id = BootstrapKeyId, keyHash, prefix, now = DbTime.ToDb(now) }, tx, cancellationToken: ct)).ConfigureAwait(false);
            return BootstrapKeyState.Active;
        }
        return existing.RevokedAt is null ? BootstrapKeyState.Active : BootstrapKeyState.RevokedThroughApi;
    }

    // The bootstrap row's hash while no key is configured: 32 zero bytes, which no SHA-256 of a key is.
    private static readonly byte[] UnsetBootstrapHash = new byte[32];

    /// <summary>Whether any admin key (bootstrap or named, any site) is active: without one nobody can create keys.</summary>
    public static async Task<bool> AnyActiveAdminAsync(DbConnection c, DbTransaction tx, CancellationToken ct) =>
        await c.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM api_keys WHERE role = 'admin' AND revoked_at IS NULL", transaction: tx, cancellationToken: ct)).ConfigureAwait(false) > 0;
}

/// <summary>What became of <c>Auth:BootstrapAdminKey</c> at start-up.</summary>
public enum BootstrapKeyState
{
    /// <summary>No key configured (a row from an earlier key is revoked).</summary>
    NotConfigured,

    /// <summary>The configured key works.</summary>
    Active,

    /// <summary>The configured key was revoked through the API (it leaked, say): it stays revoked until it is rotated.</summary>
    RevokedThroughApi,
}
