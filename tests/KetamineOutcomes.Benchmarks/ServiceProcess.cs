using System.Diagnostics;
using System.Text.RegularExpressions;

namespace KetamineOutcomes.Benchmarks;

/// <summary>The real service (Release build) as a child process on 127.0.0.1, with its start time and peak memory.</summary>
internal sealed partial class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServiceProcess(Process process) => _process = process;

    public Uri BaseAddress { get; private set; } = null!;
    public TimeSpan StartToReady { get; private set; }

    /// <summary>The service's CPU time so far (all its threads, user + kernel).</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }

    public static async Task<ServiceProcess> StartAsync(string dll, string workDir, IDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("dotnet", [dll, "--urls", "http://127.0.0.1:0"])
        {
            WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        // Production needs the public address for FHIR links; the benchmarks follow none of them.
        info.Environment["PublicBaseUrl"] = "http://127.0.0.1";
        // A free port for the metrics listener, so a service already on 9464 on this machine does not stop the run.
        info.Environment["Metrics__Port"] = "0";
        foreach (var (k, v) in environment) info.Environment[k] = v;
        var clock = Stopwatch.StartNew();
        var service = new ServiceProcess(Process.Start(info)!);
        service._process.OutputDataReceived += (_, e) => service.OnLine(e.Data);
        service._process.ErrorDataReceived += (_, e) => service.OnLine(e.Data);
        service._process.BeginOutputReadLine();
        service._process.BeginErrorReadLine();
        service.BaseAddress = await service._listening.Task.WaitAsync(TimeSpan.FromMinutes(2));
        using var http = new HttpClient { BaseAddress = service.BaseAddress };
        while ((await http.GetAsync("/health/ready")).StatusCode != System.Net.HttpStatusCode.OK) await Task.Delay(5);
        service.StartToReady = clock.Elapsed;
        return service;
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        var m = Listening().Match(line);
        if (m.Success) _listening.TrySetResult(new Uri(m.Groups[1].Value));
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex Listening();

    /// <summary>Peak resident set size (VmHWM) of the service process, in MB.</summary>
    public double PeakWorkingSetMb() => StatusMb("VmHWM:");

    /// <summary>Resident set size now (VmRSS) of the service process, in MB.</summary>
    public double WorkingSetMb() => StatusMb("VmRSS:");

    /// <summary>Of the resident set now, the anonymous pages (heaps, stacks, native buffers), in MB.</summary>
    public double AnonymousMb() => StatusMb("RssAnon:");

    /// <summary>Of the resident set now, the pages of mapped files (the runtime's and the service's assemblies), in MB.</summary>
    public double FileBackedMb() => StatusMb("RssFile:");

    /// <summary>Of the resident set now, the shared-memory pages (SQLite's WAL index, the runtime's double-mapped code), in MB.</summary>
    public double SharedMb() => StatusMb("RssShmem:");

    private double StatusMb(string field)
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith(field, StringComparison.Ordinal))
                return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
        }
        return double.NaN;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
