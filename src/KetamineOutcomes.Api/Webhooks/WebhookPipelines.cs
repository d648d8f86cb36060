using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace KetamineOutcomes.Api.Webhooks;

/// <summary>
/// One Polly pipeline per endpoint, so one receiver's outage opens only its own circuit: quick retries with exponential
/// backoff and jitter → circuit breaker → per-attempt timeout (innermost, so each HTTP try gets the full timeout).
/// </summary>
internal sealed class WebhookPipelines(IOptions<WebhookOptions> options, TimeProvider clock)
{
    /// <summary>Attempts already made on the delivery before this dispatch (the retry must not exceed the budget).</summary>
    public static readonly ResiliencePropertyKey<int> PriorAttempts = new("ko.priorAttempts");

    private readonly ConcurrentDictionary<string, ResiliencePipeline> _pipelines = new(StringComparer.Ordinal);

    public ResiliencePipeline For(string endpoint) => _pipelines.GetOrAdd(endpoint, _ => Build(options.Value));

    private ResiliencePipeline Build(WebhookOptions o)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = clock };
        if (o.InProcessRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                MaxRetryAttempts = o.InProcessRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = o.BaseDelay,
                // Never retry into an open circuit, nor past the delivery's attempt budget.
                ShouldHandle = args => ValueTask.FromResult(
                    args.Outcome.Exception is not (null or BrokenCircuitException or OperationCanceledException { CancellationToken.IsCancellationRequested: true })
                    && args.Context.Properties.GetValue(PriorAttempts, 0) + args.AttemptNumber + 1 < o.MaxAttempts),
            });
        }
        return builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = o.BreakerFailureRatio,
                MinimumThroughput = o.BreakerMinimumThroughput,
                SamplingDuration = o.BreakerSamplingDuration,
                BreakDuration = o.BreakerBreakDuration,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException || e is TimeoutRejectedException),
            })
            .AddTimeout(o.AttemptTimeout)
            .Build();
    }
}
