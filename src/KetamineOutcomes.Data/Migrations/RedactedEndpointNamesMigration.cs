using System.Data.Common;
using Dapper;
using KetamineOutcomes.Core.Notifications;
using KetamineOutcomes.Data.Infrastructure;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace KetamineOutcomes.Data.Migrations;

/// <summary>
/// Follows SQL 0011 (receiver URLs in configuration only, issue 18): an endpoint configured without a name used its full
/// URL as its name, so deliveries stored the URL — token and all — as <c>endpoint_name</c>. Such names become the
/// redacted URL (<see cref="ReceiverUrl.Redact"/>), which is the name that endpoint now has, so its pending deliveries
/// are still sent. Two names of one event that redact alike (endpoints differing only in their token) keep apart as
/// "… (2)", "… (3)"; configuration now refuses such a pair until they are given names, so those deliveries end as
/// <c>endpoint-not-configured</c>. Logged as a count only: the names held secrets.
/// </summary>
internal sealed partial class RedactedEndpointNamesMigration : ICodeMigration
{
    public string Name => "0011_redacted_endpoint_names";

    private sealed class DeliveryRow
    {
        public object Id { get; set; } = "";
        public object EventId { get; set; } = "";
        public string EndpointName { get; set; } = "";
    }

    public void Apply(DbConnection connection, DbTransaction tx, ILogger logger)
    {
        // SQLite: zero what the updates free (the old names, in the table and in the unique index), not just unlink it.
        if (connection is SqliteConnection) connection.Execute("PRAGMA secure_delete = ON", transaction: tx);
        var rows = connection.Query<DeliveryRow>(
            "SELECT id AS Id, event_id AS EventId, endpoint_name AS EndpointName FROM webhook_deliveries ORDER BY id", transaction: tx).ToList();
        var taken = rows.Select(r => (Convert.ToString(r.EventId, System.Globalization.CultureInfo.InvariantCulture), r.EndpointName)).ToHashSet();
        var redacted = 0;
        foreach (var row in rows.Where(r => ReceiverUrl.CarriesSecrets(r.EndpointName)))
        {
            var eventId = Convert.ToString(row.EventId, System.Globalization.CultureInfo.InvariantCulture);
            var plain = ReceiverUrl.Redact(new Uri(row.EndpointName));
            taken.Remove((eventId, row.EndpointName));
            var name = plain;
            for (var n = 2; taken.Contains((eventId, name)); n++) name = $"{plain} ({n})";
            taken.Add((eventId, name));
            connection.Execute("UPDATE webhook_deliveries SET endpoint_name = @name WHERE id = @Id", new { name, row.Id }, tx);
            redacted++;
        }
        if (redacted > 0) Redacted(logger, Name, redacted);
    }

    [LoggerMessage(EventId = 81, Level = LogLevel.Information, Message = "Migration {Migration} redacted the endpoint name of {Count} webhook deliveries")]
    private static partial void Redacted(ILogger logger, string migration, int count);
}
