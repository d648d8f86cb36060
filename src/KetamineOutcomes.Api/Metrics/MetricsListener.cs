using System.Net;
using KetamineOutcomes.Api.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace KetamineOutcomes.Api.Metrics;

/// <summary>
/// The Prometheus scrape endpoint on a listener of its own (<c>Metrics:Address</c>:<c>Metrics:Port</c>, loopback by
/// default): <c>GET /metrics</c> (and its <c>HEAD</c>) and nothing else — every other path and method is 404 — so the API is never reachable
/// through it and <c>/metrics</c> is never reachable through the API's port. It is a separate small server, not a
/// second address of the API's, so none of the API's middleware (keys, audit, rate limits) applies to scrapes, and
/// the API's own addresses (<c>--urls</c>) stay as they are.
/// </summary>
internal sealed class MetricsListener(
    MeterProvider meterProvider, StoreGauges gauges, IOptions<MetricsOptions> options, ILogger<MetricsListener> logger) : IHostedService, IAsyncDisposable
{
    public const string Path = "/metrics";

    private IHost? _host;

    /// <summary>Where Prometheus scrapes, once started (with the port actually bound when <c>Metrics:Port</c> is 0).</summary>
    public Uri? ScrapeUrl { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var host = new HostBuilder().ConfigureWebHost(web => web
            .UseKestrel(k =>
            {
                k.AddServerHeader = false;
                k.Listen(IPAddress.Parse(o.Address), o.Port);
            })
            .Configure(app =>
            {
                // Scrapes are not requests to the API: kept out of http_server_request_duration_seconds, which would
                // otherwise count each one (ASP.NET Core's meters are shared by every host in the process).
                app.Use((context, next) =>
                {
                    if (context.Features.Get<IHttpMetricsTagsFeature>() is { } tags) tags.MetricsDisabled = true;
                    return next(context);
                });
                app.UseOpenTelemetryPrometheusScrapingEndpoint(meterProvider,
                    predicate: context => context.Request.Path == Path && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method)),
                    path: Path,
                    configureBranchedPipeline: branch => branch.Use(async (context, next) =>
                    {
                        await gauges.RefreshAsync(context.RequestAborted).ConfigureAwait(false);
                        await next(context).ConfigureAwait(false);
                    }),
                    optionsName: null);
                app.Run(context =>
                {
                    context.Response.StatusCode = StatusCodes.Status404NotFound;
                    return Task.CompletedTask;
                });
            }))
            .Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            host.Dispose();
            throw new InvalidOperationException(
                $"The metrics listener could not bind {o.Address}:{o.Port} ({e.Message}). Set Metrics:Port to a free port, or Metrics:Enabled=false.", e);
        }
        _host = host;
        var bound = host.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        ScrapeUrl = bound is null ? null : new Uri(new Uri(bound), Path);
        logger.MetricsListening(ScrapeUrl?.ToString() ?? $"{o.Address}:{o.Port}{Path}");
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_host is not null) await _host.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        _host?.Dispose();
        return ValueTask.CompletedTask;
    }
}
