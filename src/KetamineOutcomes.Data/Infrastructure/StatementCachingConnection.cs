using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Data.Infrastructure;

/// <summary>
/// The group-commit writer's connection as its units see it: every command text is compiled by SQLite once and
/// reused (Microsoft.Data.Sqlite compiles each new command again; on the single writer that was a large share of a
/// unit's time). Dapper and the stores use it like any connection. Not thread-safe, like the connection it wraps.
/// </summary>
internal sealed class StatementCachingConnection(SqliteConnection inner) : DbConnection
{
    // Texts are the stores' constants, plus Dapper's expansions of IN lists (one per list length): bounded.
    private const int MaxCached = 128;

    private readonly Dictionary<string, CachedStatement> _cache = new(StringComparer.Ordinal);

    public SqliteConnection Inner => inner;

    [AllowNull]
    public override string ConnectionString
    {
        get => inner.ConnectionString;
        set => inner.ConnectionString = value;
    }

    public override string Database => inner.Database;
    public override string DataSource => inner.DataSource;
    public override string ServerVersion => inner.ServerVersion;
    public override ConnectionState State => inner.State;

    public override void ChangeDatabase(string databaseName) => inner.ChangeDatabase(databaseName);
    public override void Open() => inner.Open();
    public override void Close() => inner.Close();

    protected override DbTransaction BeginDbTransaction(IsolationLevel isolationLevel) => inner.BeginTransaction(isolationLevel);

    protected override DbCommand CreateDbCommand() => new Command(this);

    /// <summary>A compiled command for this text, or null when the cache is full or the cached one is in use.</summary>
    private SqliteCommand? Rent(string text)
    {
        if (_cache.TryGetValue(text, out var cached))
        {
            if (cached.InUse) return null;
            cached.InUse = true;
            cached.Command.Parameters.Clear();
            return cached.Command;
        }
        if (_cache.Count >= MaxCached) return null;
        var command = inner.CreateCommand();
        command.CommandText = text;
        _cache[text] = new CachedStatement(command) { InUse = true };
        return command;
    }

    private void Return(string text) => _cache[text].InUse = false;

    /// <summary>Cached statements currently rented: 0 whenever no command of this connection is alive.</summary>
    internal int StatementsInUse => _cache.Values.Count(c => c.InUse);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            foreach (var cached in _cache.Values) cached.Command.Dispose();
            _cache.Clear();
            inner.Dispose();
        }
        base.Dispose(disposing);
    }

    private sealed class CachedStatement(SqliteCommand command)
    {
        public SqliteCommand Command { get; } = command;
        public bool Prepared { get; set; }
        public bool InUse { get; set; }
    }

    /// <summary>A command that runs on a cached compiled statement (or, if none is free, on a fresh one).</summary>
    private sealed class Command(StatementCachingConnection owner) : DbCommand
    {
        private SqliteCommand _target = owner.Inner.CreateCommand();
        private string? _rented;

        [AllowNull]
        public override string CommandText
        {
            get => _target.CommandText;
            set
            {
                // Dapper sets the transaction before the text, and rewrites the text after adding parameters (IN-list
                // expansion): whatever the command already holds moves with it to the command for the new text.
                var parameters = _target.Parameters.Cast<SqliteParameter>().ToArray();
                _target.Parameters.Clear();
                Release();
                if (value is not null && owner.Rent(value) is { } cached)
                {
                    cached.Transaction = _target.Transaction;
                    cached.CommandTimeout = _target.CommandTimeout;
                    _target.Dispose();
                    _target = cached;
                    _rented = value;
                }
                else
                {
                    _target.CommandText = value;
                }
                _target.Parameters.AddRange(parameters);
            }
        }

        public override int CommandTimeout { get => _target.CommandTimeout; set => _target.CommandTimeout = value; }
        public override CommandType CommandType { get => _target.CommandType; set => _target.CommandType = value; }
        public override bool DesignTimeVisible { get => _target.DesignTimeVisible; set => _target.DesignTimeVisible = value; }
        public override UpdateRowSource UpdatedRowSource { get => _target.UpdatedRowSource; set => _target.UpdatedRowSource = value; }

        protected override DbConnection? DbConnection { get => owner; set { } }
        protected override DbParameterCollection DbParameterCollection => _target.Parameters;

        protected override DbTransaction? DbTransaction
        {
            get => _target.Transaction;
            set => _target.Transaction = (SqliteTransaction?)value;
        }

        public override void Cancel() => _target.Cancel();
        public override void Prepare() => EnsurePrepared();
        protected override DbParameter CreateDbParameter() => _target.CreateParameter();

        public override int ExecuteNonQuery()
        {
            EnsurePrepared();
            return _target.ExecuteNonQuery();
        }

        public override object? ExecuteScalar()
        {
            EnsurePrepared();
            return _target.ExecuteScalar();
        }

        protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior)
        {
            EnsurePrepared();
            return _target.ExecuteReader(behavior);
        }

        // Compiled once per text and connection; Microsoft.Data.Sqlite then resets and rebinds it on each execution.
        private void EnsurePrepared()
        {
            // Dapper names parameters without their prefix; Microsoft.Data.Sqlite then looks each one up four times
            // (as given, then with @, $ and :) on every execution. Our SQL names them @x: one lookup.
            foreach (SqliteParameter p in _target.Parameters)
            {
                if (p.ParameterName is { Length: > 0 } name && name[0] is not ('@' or '$' or ':')) p.ParameterName = "@" + name;
            }
            if (_rented is null) return;
            var cached = owner._cache[_rented];
            if (cached.Prepared) return;
            _target.Prepare();
            cached.Prepared = true;
        }

        private void Release()
        {
            if (_rented is null) return;
            var (transaction, timeout) = (_target.Transaction, _target.CommandTimeout);
            owner.Return(_rented);
            _rented = null;
            _target = owner.Inner.CreateCommand();
            (_target.Transaction, _target.CommandTimeout) = (transaction, timeout);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                if (_rented is not null)
                {
                    owner.Return(_rented);
                    _rented = null;
                }
                else
                {
                    _target.Dispose();
                }
            }
            base.Dispose(disposing);
        }
    }
}
