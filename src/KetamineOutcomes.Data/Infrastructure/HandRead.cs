using System.Data.Common;
using Dapper;

namespace KetamineOutcomes.Data.Infrastructure;

/// <summary>
/// Rows read by hand, column by column, for the lookups in front of every request (API key, infusion timeline, trend
/// scores), where Dapper's per-row mapping was a visible share of the time.
/// </summary>
public static class HandRead
{
    public static async Task<List<T>> ListAsync<T>(DbConnection c, CommandDefinition command, Func<DbDataReader, T> map)
    {
        // Disposed synchronously: Dapper's wrapped reader leaves its command undisposed on DisposeAsync (Dapper issue
        // #2185), which kept the connection's cached statement rented — compiled again on every call — and left each
        // command to the finalizer (~18 % of the service's CPU under load).
        using var reader = await c.ExecuteReaderAsync(command).ConfigureAwait(false);
        var rows = new List<T>();
        while (await reader.ReadAsync(command.CancellationToken).ConfigureAwait(false)) rows.Add(map(reader));
        return rows;
    }
}
