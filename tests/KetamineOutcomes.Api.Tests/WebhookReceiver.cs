using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace KetamineOutcomes.Api.Tests;

/// <summary>A real HTTP webhook receiver on 127.0.0.1 that records what it gets and answers as told.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    /// <param name="Query">The query string as received, e.g. <c>?token=…</c> (empty when none).</param>
    public sealed record Received(byte[] Body, IReadOnlyDictionary<string, string> Headers, string Query)
    {
        public string Text => System.Text.Encoding.UTF8.GetString(Body);
    }

    private WebApplication? _app;
    private int _count;

    public WebhookReceiver() => Port = TestPorts.Free();

    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}/hook";
    public ConcurrentQueue<Received> Requests { get; } = new();

    /// <summary>Status to answer the n-th request (0-based) with.</summary>
    public Func<int, int> StatusFor { get; set; } = _ => 200;

    /// <summary>A Location header to answer with (for redirect tests).</summary>
    public string? RedirectTo { get; set; }

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls(Url.Replace("/hook", "", StringComparison.Ordinal));
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/hook", async (HttpContext http) =>
        {
            using var buffer = new MemoryStream();
            await http.Request.Body.CopyToAsync(buffer);
            var n = Interlocked.Increment(ref _count) - 1;
            Requests.Enqueue(new Received(buffer.ToArray(), http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                http.Request.QueryString.Value ?? ""));
            http.Response.StatusCode = StatusFor(n);
            if (RedirectTo is { } target) http.Response.Headers.Location = target;
        });
        await _app.StartAsync();
    }

    public async Task StopAsync()
    {
        if (_app is null) return;
        await _app.StopAsync();
        await _app.DisposeAsync();
        _app = null;
    }

    public ValueTask DisposeAsync() => new(StopAsync());

}

internal static class Eventually
{
    /// <summary>Polls a condition until it holds or the time is up (then fails with the message).</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, string what, double seconds = 15)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < until)
        {
            if (await condition()) return;
            await Task.Delay(25);
        }
        Assert.Fail($"Timed out after {seconds} s waiting for: {what}");
    }
}
