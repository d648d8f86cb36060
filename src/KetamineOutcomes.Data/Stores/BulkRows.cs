using System.Buffers.Text;
using System.Data.Common;
using System.Text;
using Dapper;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace KetamineOutcomes.Data.Stores;

/// <summary>
/// The rows of one bulk read (the research queries, the response watch), column by column, as the provider hands them
/// over. A full-cohort or whole-site read walks hundreds of thousands of rows, so per-row cost matters more here than
/// anywhere else in the service.
/// </summary>
internal abstract class BulkRows : IAsyncDisposable
{
    /// <summary>True when rows come on the calling thread without waiting (SQLite): read-ahead is left off (see ResearchStore).</summary>
    public abstract bool Local { get; }

    public abstract ValueTask<bool> ReadAsync(CancellationToken ct);

    /// <summary>A text column whose value repeats from row to row (patient ids, code words): equal values share one string.</summary>
    public abstract string RepeatedText(int i);

    public abstract string Text(int i);

    public abstract bool IsNull(int i);

    public abstract long Int64(int i);

    public abstract Guid Guid(int i);

    /// <summary>A uuid column whose value repeats from row to row (patient ids in patient order): parsed once per run of equal values.</summary>
    public abstract Guid RepeatedGuid(int i);

    public abstract ValueTask DisposeAsync();

    /// <summary>Runs <paramref name="sql"/> with <paramref name="args"/> (names without '@'; texts or null, as research binds).</summary>
    public static async Task<BulkRows> OpenAsync(DbConnection c, string sql, IReadOnlyDictionary<string, object?> args, CancellationToken ct) =>
        ((c as Infrastructure.StatementCachingConnection)?.Inner ?? c as SqliteConnection) is { } sqlite
            ? new SqliteStatementRows(sqlite, sql, args)
            : new ReaderRows(await c.ExecuteReaderAsync(new CommandDefinition(sql, Typed(args), cancellationToken: ct)).ConfigureAwait(false));

    // A null alone says nothing of its type, and PostgreSQL refuses an untyped parameter in "@p IS NULL": the optional
    // filters are all texts.
    private static DynamicParameters Typed(IReadOnlyDictionary<string, object?> args)
    {
        var parameters = new DynamicParameters();
        foreach (var (name, value) in args) parameters.Add(name, value, value is null ? System.Data.DbType.String : null);
        return parameters;
    }

    /// <summary>Any ADO.NET reader (PostgreSQL): rows arrive over the network, so the read-ahead overlaps waiting.</summary>
    private sealed class ReaderRows(DbDataReader reader) : BulkRows
    {
        public override bool Local => false;

        public override async ValueTask<bool> ReadAsync(CancellationToken ct) => await reader.ReadAsync(ct).ConfigureAwait(false);

        public override string RepeatedText(int i) => reader.GetString(i);

        public override string Text(int i) => reader.GetString(i);

        public override bool IsNull(int i) => reader.IsDBNull(i);

        public override long Int64(int i) => reader.GetInt64(i);

        public override Guid Guid(int i) => reader.GetGuid(i);

        public override Guid RepeatedGuid(int i) => reader.GetGuid(i);

        // Synchronously: Dapper's wrapped reader disposes its command only then (Dapper issue #2185).
        public override ValueTask DisposeAsync()
        {
            reader.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>
    /// A SQLite statement stepped directly (SQLitePCLRaw, the library under Microsoft.Data.Sqlite): no per-column
    /// checks or wrappers, and repeated texts compared as UTF-8 bytes instead of becoming a new string on every row.
    /// Measured on a 10,000-patient cohort: CPU per full-cohort read 867 → 678 ms, peak memory −45 MB; SQLite's own
    /// stepping is now about half of what is left.
    /// </summary>
    private sealed class SqliteStatementRows : BulkRows
    {
        private readonly sqlite3 _db;
        private readonly sqlite3_stmt _stmt;
        private readonly LastText?[] _lastText;
        private readonly LastGuid?[] _lastGuid;

        public SqliteStatementRows(SqliteConnection c, string sql, IReadOnlyDictionary<string, object?> args)
        {
            _db = c.Handle ?? throw new InvalidOperationException("The connection is not open.");
            Check(raw.sqlite3_prepare_v2(_db, sql, out _stmt));
            try
            {
                for (var p = 1; p <= raw.sqlite3_bind_parameter_count(_stmt); p++)
                {
                    var name = raw.sqlite3_bind_parameter_name(_stmt, p).utf8_to_string()[1..];
                    if (!args.TryGetValue(name, out var value)) throw new ArgumentException($"No value for the query parameter '{name}'.", nameof(args));
                    Check(value switch
                    {
                        null => raw.sqlite3_bind_null(_stmt, p),
                        string s => raw.sqlite3_bind_text(_stmt, p, s),
                        _ => throw new ArgumentException($"Cannot bind a {value.GetType().Name} to '{name}'.", nameof(args)),
                    });
                }
            }
            catch
            {
                _stmt.Dispose();
                throw;
            }
            _lastText = new LastText?[raw.sqlite3_column_count(_stmt)];
            _lastGuid = new LastGuid?[_lastText.Length];
        }

        public override bool Local => true;

        public override ValueTask<bool> ReadAsync(CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            var rc = raw.sqlite3_step(_stmt);
            if (rc == raw.SQLITE_ROW) return ValueTask.FromResult(true);
            if (rc == raw.SQLITE_DONE) return ValueTask.FromResult(false);
            Check(rc);
            return ValueTask.FromResult(false);
        }

        public override string RepeatedText(int i)
        {
            var bytes = raw.sqlite3_column_blob(_stmt, i);
            var last = _lastText[i] ??= new LastText();
            if (last.Value is not null && bytes.SequenceEqual(last.Bytes.AsSpan(0, last.Length))) return last.Value;
            if (last.Bytes.Length < bytes.Length) last.Bytes = new byte[bytes.Length];
            bytes.CopyTo(last.Bytes);
            last.Length = bytes.Length;
            return last.Value = Encoding.UTF8.GetString(bytes);
        }

        public override string Text(int i) => Encoding.UTF8.GetString(raw.sqlite3_column_blob(_stmt, i));

        public override bool IsNull(int i) => raw.sqlite3_column_type(_stmt, i) == raw.SQLITE_NULL;

        public override long Int64(int i) => raw.sqlite3_column_int64(_stmt, i);

        // Microsoft.Data.Sqlite writes a Guid parameter as upper-case text; a 16-byte blob is read as its bytes, as it does.
        public override Guid Guid(int i)
        {
            var bytes = raw.sqlite3_column_blob(_stmt, i);
            // Length first: ids are 36-byte texts here, so the type is asked only of a 16-byte value.
            if (bytes.Length == 16 && raw.sqlite3_column_type(_stmt, i) == raw.SQLITE_BLOB) return new Guid(bytes);
            return Utf8Parser.TryParse(bytes, out Guid g, out var used) && used == bytes.Length ? g : System.Guid.Parse(Encoding.UTF8.GetString(bytes));
        }

        public override Guid RepeatedGuid(int i)
        {
            var bytes = raw.sqlite3_column_blob(_stmt, i);
            var last = _lastGuid[i] ??= new LastGuid();
            if (last.Length == bytes.Length && bytes.SequenceEqual(last.Bytes.AsSpan(0, last.Length))) return last.Value;
            if (last.Bytes.Length < bytes.Length) last.Bytes = new byte[bytes.Length];
            bytes.CopyTo(last.Bytes);
            last.Length = bytes.Length;
            return last.Value = Guid(i);
        }

        public override ValueTask DisposeAsync()
        {
            _stmt.Dispose();
            return ValueTask.CompletedTask;
        }

        /// <summary>A column's previous text value and its bytes.</summary>
        private sealed class LastText
        {
            public byte[] Bytes = new byte[48];
            public int Length;
            public string? Value;
        }

        /// <summary>A column's previous uuid and the bytes it was read from (length −1: none yet).</summary>
        private sealed class LastGuid
        {
            public byte[] Bytes = new byte[48];
            public int Length = -1;
            public Guid Value;
        }

        private void Check(int rc)
        {
            if (rc is not (raw.SQLITE_OK or raw.SQLITE_ROW or raw.SQLITE_DONE)) SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }
}
