using System.Diagnostics;

namespace KetamineOutcomes.Benchmarks;

/// <summary>Latency figures of one measured run.</summary>
internal sealed record Measurement(string Name, int Connections, int Requests, int Errors, double Seconds, double P50Ms, double P95Ms, double P99Ms, double MaxMs)
{
    public double RequestsPerSecond => Requests / Seconds;
}

/// <summary>
/// An HttpClient-based load driver (the generator named in the results): C connections each sending requests back to
/// back for a fixed duration after a warm-up; bounded in time, loopback only.
/// </summary>
internal static class Load
{
    public static async Task<Measurement> RunAsync(string name, Uri baseAddress, string apiKey, int connections, TimeSpan warmup, TimeSpan duration,
        Func<HttpClient, int, Task<HttpResponseMessage>> send)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        using var http = new HttpClient(handler) { BaseAddress = baseAddress };
        http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);

        await Drive(http, connections, warmup, send, null);
        var latencies = new List<double>[connections];
        for (var i = 0; i < connections; i++) latencies[i] = new List<double>(4096);
        var errors = new int[connections];
        var clock = Stopwatch.StartNew();
        await Drive(http, connections, duration, send, (worker, ms, ok) =>
        {
            latencies[worker].Add(ms);
            if (!ok) errors[worker]++;
        });
        var seconds = clock.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        double P(double q) => all.Length == 0 ? double.NaN : all[Math.Min(all.Length - 1, (int)Math.Ceiling(q * all.Length) - 1)];
        return new Measurement(name, connections, all.Length, errors.Sum(), seconds, P(0.50), P(0.95), P(0.99), all.Length == 0 ? double.NaN : all[^1]);
    }

    private static Task Drive(HttpClient http, int connections, TimeSpan duration, Func<HttpClient, int, Task<HttpResponseMessage>> send, Action<int, double, bool>? record)
    {
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        return Task.WhenAll(Enumerable.Range(0, connections).Select(async worker =>
        {
            var n = 0;
            while (Stopwatch.GetTimestamp() < until)
            {
                var t0 = Stopwatch.GetTimestamp();
                using var response = await send(http, worker * 1_000_000 + n++);
                await response.Content.LoadIntoBufferAsync();
                record?.Invoke(worker, Stopwatch.GetElapsedTime(t0).TotalMilliseconds, response.IsSuccessStatusCode);
            }
        }));
    }
}
