using System.Collections.Concurrent;
using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Data.Infrastructure;

/// <summary>
/// Open SQLite connections for reads, each keeping its compiled statements. Microsoft.Data.Sqlite pools the native
/// handles but compiles every command's SQL again and the factory sets its pragma on every open: on the two reads
/// in front of every request (the API-key lookup, the infusion timeline) that was a fifth of the service's CPU.
/// A connection goes back only after its work completed; one whose work threw is closed instead.
/// </summary>
internal sealed class ReaderPool(SqliteConnectionFactory factory, int capacity) : IAsyncDisposable
{
    private readonly ConcurrentQueue<StatementCachingConnection> _idle = new();
    private int _count;
    private volatile bool _disposed;

    public async ValueTask<StatementCachingConnection> RentAsync(CancellationToken ct)
    {
        if (_idle.TryDequeue(out var connection))
        {
            Interlocked.Decrement(ref _count);
            return connection;
        }
        var opened = (SqliteConnection)await factory.OpenAsync(ct).ConfigureAwait(false);
        try
        {
            await using var pragma = opened.CreateCommand();
            // A small page cache: these reads are short lookups, and under writes SQLite empties a reader's cache at each
            // read transaction anyway, so SQLite's default 2 MB per kept connection was only resident memory.
            pragma.CommandText = "PRAGMA cache_size = -256";
            await pragma.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            await opened.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        return new StatementCachingConnection(opened);
    }

    public async ValueTask ReturnAsync(StatementCachingConnection connection)
    {
        if (!_disposed && Interlocked.Increment(ref _count) <= capacity)
        {
            _idle.Enqueue(connection);
            return;
        }
        if (!_disposed) Interlocked.Decrement(ref _count);
        await connection.DisposeAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        _disposed = true;
        while (_idle.TryDequeue(out var connection)) await connection.DisposeAsync().ConfigureAwait(false);
    }
}
