using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace KetamineOutcomes.Benchmarks;

/// <summary>Figures of one measured run: throughput and latency percentiles, as the load generator reported them.</summary>
internal sealed record Measurement(string Name, int Connections, long Requests, long Errors, double Seconds, double P50Ms, double P95Ms, double P99Ms, double MaxMs)
{
    public double RequestsPerSecond => Requests / Seconds;
}

/// <summary>
/// One kind of request for wrk: method, path(s) cycled round-robin, headers, body (or <paramref name="Bodies"/>, cycled
/// the same way); POSTs get a unique Idempotency-Key each: run, thread and count (keys in nearly the order they arrive),
/// or with <paramref name="RandomIdempotencyKey"/> a random UUID v4, as most clients make them (each lands at a random
/// place in the key index).
/// </summary>
/// <remarks>
/// <paramref name="PauseMs"/> &gt; 0 paces each connection (wrk waits that long before each request): the offered load is then at
/// most connections × 1,000 / pause requests/s, below saturation, which is where latency targets are meaningful.
/// </remarks>
internal sealed record WrkRequest(string Method, IReadOnlyList<string> Paths, IReadOnlyDictionary<string, string> Headers, string? Body = null,
    bool UniqueIdempotencyKey = false, int PauseMs = 0, IReadOnlyList<string>? Bodies = null, bool RandomIdempotencyKey = false)
{
    public WrkRequest Paced(int pauseMs) => this with { PauseMs = pauseMs };
}

/// <summary>
/// Drives HTTP load with wrk 4 (Debian package) from a separate process: closed loop, keep-alive connections, two
/// threads. A Lua script varies the path and Idempotency-Key per request and writes the summary as JSON.
/// </summary>
internal static class Wrk
{
    public static void EnsureInstalled()
    {
        if (File.Exists("/usr/bin/wrk")) return;
        if (Environment.UserName != "root")
            throw new InvalidOperationException("wrk is missing: install it with `sudo apt-get install -y wrk` and run again.");
        Console.WriteLine("Installing wrk (Debian package)…");
        foreach (var args in new[] { "update -q", "install -y -q wrk" })
        {
            using var p = Process.Start(new ProcessStartInfo("apt-get", args) { RedirectStandardOutput = true })!;
            p.StandardOutput.ReadToEnd();
            p.WaitForExit();
        }
        if (!File.Exists("/usr/bin/wrk")) throw new InvalidOperationException("Installing wrk failed.");
    }

    public static async Task<Measurement> RunAsync(string name, Uri baseAddress, WrkRequest request, int connections, TimeSpan duration, string workDir)
    {
        var id = Guid.NewGuid().ToString("N");
        var script = Path.Combine(workDir, $"wrk-{id}.lua");
        var output = Path.Combine(workDir, $"wrk-{id}.json");
        await File.WriteAllTextAsync(script, Script(request, output, id));
        var threads = Math.Min(2, connections);
        var info = new ProcessStartInfo("wrk",
            ["-t", threads.ToString(CultureInfo.InvariantCulture), "-c", connections.ToString(CultureInfo.InvariantCulture),
             "-d", $"{Math.Max(1, (int)duration.TotalSeconds)}s", "--timeout", "10s", "-s", script, baseAddress.ToString().TrimEnd('/') + request.Paths[0]])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0 || !File.Exists(output))
            throw new InvalidOperationException($"wrk failed ({p.ExitCode}): {await stderr}{await stdout}");
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(output));
        var r = json.RootElement;
        double Ms(string field) => r.GetProperty(field).GetDouble() / 1000.0;
        var errors = r.GetProperty("status").GetInt64() + r.GetProperty("connect").GetInt64() + r.GetProperty("read").GetInt64()
            + r.GetProperty("write").GetInt64() + r.GetProperty("timeout").GetInt64();
        File.Delete(script);
        File.Delete(output);
        return new Measurement(name, connections, r.GetProperty("requests").GetInt64(), errors, r.GetProperty("duration").GetDouble() / 1e6,
            Ms("p50"), Ms("p95"), Ms("p99"), Ms("max"));
    }

    private static string Lua(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";

    private static string Script(WrkRequest request, string output, string runId)
    {
        var sb = new StringBuilder();
        sb.AppendLine(CultureInfo.InvariantCulture, $"local paths = {{ {string.Join(", ", request.Paths.Select(Lua))} }}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"local method = {Lua(request.Method)}");
        sb.AppendLine(request.Body is null ? "local body = nil" : $"local body = {Lua(request.Body)}");
        sb.AppendLine(request.Bodies is null ? "local bodies = nil" : $"local bodies = {{ {string.Join(", ", request.Bodies.Select(Lua))} }}");
        sb.AppendLine("local base = {}");
        foreach (var (k, v) in request.Headers) sb.AppendLine(CultureInfo.InvariantCulture, $"base[{Lua(k)}] = {Lua(v)}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"local unique = {(request.UniqueIdempotencyKey ? "true" : "false")}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"local random_key = {(request.RandomIdempotencyKey ? "true" : "false")}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"local run = {Lua(runId)}");
        sb.AppendLine(CultureInfo.InvariantCulture, $"local output_file = {Lua(output)}");
        if (request.PauseMs > 0) sb.AppendLine(CultureInfo.InvariantCulture, $"function delay() return {request.PauseMs} end");
        sb.Append("""
            local next_thread = 0
            function setup(thread)
              thread:set("tid", next_thread)
              next_thread = next_thread + 1
            end
            local n = 0
            function init(args)
              math.randomseed(os.time() * 1000 + tid * 7919)
            end
            local function uuid4()
              local h = {}
              for i = 1, 32 do h[i] = string.format("%x", math.random(0, 15)) end
              h[13] = "4"
              h[17] = string.format("%x", 8 + math.random(0, 3))
              local s = table.concat(h)
              return s:sub(1, 8) .. "-" .. s:sub(9, 12) .. "-" .. s:sub(13, 16) .. "-" .. s:sub(17, 20) .. "-" .. s:sub(21, 32)
            end
            function request()
              n = n + 1
              local headers = {}
              for k, v in pairs(base) do headers[k] = v end
              if unique then headers["Idempotency-Key"] = random_key and uuid4() or (run .. "-" .. tid .. "-" .. n) end
              local path = paths[((n + tid) % #paths) + 1]
              if bodies then return wrk.format(method, path, headers, bodies[((n + tid) % #bodies) + 1]) end
              return wrk.format(method, path, headers, body)
            end
            function done(summary, latency, requests)
              local f = io.open(output_file, "w")
              f:write(string.format('{"requests":%d,"duration":%d,"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"p50":%d,"p95":%d,"p99":%d,"max":%d}',
                summary.requests, summary.duration, summary.errors.status, summary.errors.connect, summary.errors.read,
                summary.errors.write, summary.errors.timeout, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
              f:close()
            end

            """);
        return sb.ToString();
    }
}
