using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Audit;

/// <summary>
/// Writes the aggregated row of each ended window of counted anonymous refusals (<see cref="AnonymousRefusals"/>), so
/// the count is recorded even when the flood stops; at shutdown, every window still open is written as it stands.
/// </summary>
internal sealed class AnonymousRefusalFlusher(AnonymousRefusals refusals, Database db, ILogger<AnonymousRefusalFlusher> logger) : BackgroundService
{
    /// <summary>How soon after a window ends its row is written (a real-time tick: the windows follow the app's clock).</summary>
    private static readonly TimeSpan Tick = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Tick);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false)) await FlushAsync(all: false, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await FlushAsync(all: true, cancellationToken).ConfigureAwait(false);
    }

    private async Task FlushAsync(bool all, CancellationToken ct)
    {
        var rows = refusals.TakeEnded(all);
        if (rows.Count == 0) return;
        try
        {
            await AuditStore.AppendAsync(db, rows, ct).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Kept for the next tick: a count is never dropped because the store was briefly away.
            refusals.Restore(rows);
            logger.AuditWriteFailed(e.GetType().Name);
        }
    }
}
