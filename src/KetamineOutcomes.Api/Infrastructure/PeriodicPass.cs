namespace KetamineOutcomes.Api.Infrastructure;

/// <summary>
/// A hosted service that runs <see cref="RunPassAsync"/> at start and then every <see cref="Interval"/> until shutdown,
/// for passes that derive what to write from the store (the <c>assessment.due</c> scheduler, the response watch): a
/// pass that fails is logged and the next one writes whatever it did not, since nothing is queued in memory.
/// Does not run at all when <see cref="ShouldRun"/> is false (disabled, or no webhook endpoint to tell).
/// </summary>
internal abstract class PeriodicPass(TimeProvider clock) : BackgroundService
{
    /// <summary>The clock passes are timed and dated by (tests move it instead of sleeping).</summary>
    protected TimeProvider Clock { get; } = clock;

    protected abstract bool ShouldRun { get; }

    protected abstract TimeSpan Interval { get; }

    /// <summary>One pass; the caller logs a failure through <see cref="PassFailed"/> and waits for the next.</summary>
    protected abstract Task RunPassAsync(CancellationToken ct);

    /// <summary>Logs a failed pass (the exception's type only: no patient data reaches the log).</summary>
    protected abstract void PassFailed(Exception e);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!ShouldRun) return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunPassAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                PassFailed(e);
            }
            try { await Task.Delay(Interval, Clock, stoppingToken).ConfigureAwait(false); }
            catch (OperationCanceledException) { return; }
        }
    }
}
