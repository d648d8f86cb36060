using System.Globalization;
using System.Text;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Core.Notifications;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace KetamineOutcomes.Api.Webhooks;

/// <summary>
/// Sends outbox deliveries. Each instance claims due deliveries for a lease (so two dispatchers do not send the same one
/// in the same window), sends each through its endpoint's Polly pipeline, then settles it: delivered; pending again at a
/// later time (exponential backoff with jitter, stored, so restarts resume the schedule); or failed after
/// <see cref="WebhookOptions.MaxAttempts"/>. Delivery is at-least-once: receivers de-duplicate on X-Event-Id. A delivery
/// names its endpoint; the URL and secret come from configuration at send time.
/// </summary>
internal sealed class WebhookDispatcher(
    Database db, IHttpClientFactory httpClients, WebhookPipelines pipelines, IOptions<WebhookOptions> options, TimeProvider clock,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string HttpClientName = "webhooks";

    /// <summary><c>lastError</c> of a delivery whose endpoint name is no longer in <c>Webhooks:Endpoints</c>.</summary>
    public const string EndpointNotConfigured = "endpoint-not-configured";
    private readonly string _instance = $"{Environment.MachineName}/{Guid.NewGuid():N}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            IReadOnlyList<ClaimedDelivery> claimed;
            try
            {
                var now = clock.GetUtcNow();
                claimed = await OutboxStore.ClaimDueAsync(db, _instance, DbTime.Normalize(now), DbTime.Normalize(now + o.ClaimLease), o.BatchSize, stoppingToken).ConfigureAwait(false);
                // Endpoints are independent: one slow receiver must not hold up the others.
                await Task.WhenAll(claimed.GroupBy(d => d.EndpointName).Select(g => DeliverInOrderAsync(g, stoppingToken))).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.DispatcherError(e.GetType().Name);
                claimed = [];
            }
            if (claimed.Count == 0)
            {
                try { await Task.Delay(o.PollInterval, clock, stoppingToken).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
            }
        }
    }

    private async Task DeliverInOrderAsync(IEnumerable<ClaimedDelivery> deliveries, CancellationToken ct)
    {
        foreach (var d in deliveries) await DeliverAsync(d, ct).ConfigureAwait(false);
    }

    private async Task DeliverAsync(ClaimedDelivery d, CancellationToken ct)
    {
        var o = options.Value;
        // The delivery holds only the endpoint's name; its URL (which may carry a token) is looked up in configuration
        // now, so a URL changed in configuration applies to deliveries already queued (issue 18).
        var endpoint = o.Endpoints.FirstOrDefault(e => e.Identity == d.EndpointName);
        if (endpoint is null)
        {
            // Removed from configuration: failed at once, without an attempt (retrying cannot help before a restart with
            // the endpoint back, and then an admin retries it).
            await SettleAsync(d, "failed", d.Attempts, clock.GetUtcNow(), EndpointNotConfigured).ConfigureAwait(false);
            logger.WebhookFailed(d.EventId, d.EndpointName, d.Attempts, EndpointNotConfigured);
            return;
        }

        var body = Encoding.UTF8.GetBytes(d.Payload);
        var signature = WebhookSignature.Sign(endpoint.Secret, body);
        var tries = 0;
        var context = ResilienceContextPool.Shared.Get(ct);
        context.Properties.Set(WebhookPipelines.PriorAttempts, d.Attempts);
        try
        {
            await pipelines.For(endpoint.Identity).ExecuteAsync(async (ctx, state) =>
            {
                tries++;
                using var request = new HttpRequestMessage(HttpMethod.Post, state.Url)
                {
                    Content = new ByteArrayContent(body) { Headers = { { "Content-Type", "application/json; charset=utf-8" } } },
                };
                request.Headers.Add(WebhookSignature.HeaderName, signature);
                // Standard Webhooks (standardwebhooks.com spec): the signature covers id and timestamp too, so a receiver can
                // refuse a captured delivery replayed later. The id is the event's, stable across retries.
                var now = clock.GetUtcNow();
                request.Headers.Add("webhook-id", d.EventId.ToString());
                request.Headers.Add("webhook-timestamp", now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
                request.Headers.Add("webhook-signature", new StandardWebhooks.StandardWebhook(Encoding.UTF8.GetBytes(endpoint.Secret)).Sign(d.EventId.ToString(), now, d.Payload));
                request.Headers.Add("X-Event-Id", d.EventId.ToString());
                request.Headers.Add("X-Event-Type", d.EventType);
                request.Headers.Add("X-Delivery-Id", d.Id.ToString());
                request.Headers.Add("X-Delivery-Attempt", (d.Attempts + tries).ToString(CultureInfo.InvariantCulture));
                using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, ctx.CancellationToken).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode) throw new WebhookRejectedException((int)response.StatusCode);
            }, context, endpoint).ConfigureAwait(false);

            await SettleAsync(d, "delivered", d.Attempts + tries, clock.GetUtcNow(), null).ConfigureAwait(false);
            logger.WebhookDelivered(d.EventId, d.EndpointName, d.Attempts + tries);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Shutting down mid-send: hand the delivery back unchanged (the attempt may or may not have landed).
            await SettleAsync(d, "pending", d.Attempts + Math.Max(0, tries - 1), clock.GetUtcNow(), "interrupted").ConfigureAwait(false);
        }
        catch (Exception e)
        {
            var attempts = d.Attempts + tries;
            var error = e switch
            {
                WebhookRejectedException r => $"http-{r.StatusCode}",
                TimeoutRejectedException => "timeout",
                BrokenCircuitException => "circuit-open",
                HttpRequestException h => h.HttpRequestError.ToString(),
                _ => e.GetType().Name,
            };
            var now = clock.GetUtcNow();
            if (attempts >= o.MaxAttempts)
            {
                await SettleAsync(d, "failed", attempts, now, error).ConfigureAwait(false);
                logger.WebhookFailed(d.EventId, d.EndpointName, attempts, error);
                return;
            }
            // An open circuit made no attempt: wait out the break; otherwise back off exponentially with jitter.
            var delay = e is BrokenCircuitException && tries <= 1
                ? o.BreakerBreakDuration
                : RedeliverySchedule.DelayAfter(Math.Max(1, attempts), o.BaseDelay, o.MaxDelay, Random.Shared.NextDouble());
            await SettleAsync(d, "pending", attempts, now + delay, error).ConfigureAwait(false);
            logger.WebhookRescheduled(d.EventId, d.EndpointName, attempts, error);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    private async Task SettleAsync(ClaimedDelivery d, string status, int attempts, DateTimeOffset next, string? error) =>
        // Settling must happen even while stopping, so it does not take the stopping token.
        await OutboxStore.SettleAsync(db, d.Id, _instance, status, attempts, DbTime.Normalize(next), error, DbTime.Normalize(clock.GetUtcNow()), CancellationToken.None).ConfigureAwait(false);
}

/// <summary>The receiver answered with a non-success status.</summary>
internal sealed class WebhookRejectedException(int statusCode) : Exception($"Webhook receiver answered {statusCode}.")
{
    public int StatusCode { get; } = statusCode;
}
