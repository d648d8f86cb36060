using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// The built service as a deployment runs it: <c>dotnet KetamineOutcomes.Api.dll --urls http://127.0.0.1:0</c> from a
/// working directory of the test's choosing, configured by environment variables only; its output lines are kept.
/// </summary>
internal sealed partial class BuiltService : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="arguments">The command line after the dll; <c>--urls http://127.0.0.1:0</c> unless given.</param>
    /// <param name="unset">Environment variables removed, so that one set where the tests run cannot leak in.</param>
    public BuiltService(string workDir, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string>? arguments = null, IReadOnlyList<string>? unset = null)
        : this([Dll, .. arguments ?? ["--urls", "http://127.0.0.1:0"]], workDir, environment, unset)
    {
    }

    private BuiltService(IEnumerable<string> dotnetArguments, string workDir, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string>? unset)
    {
        var start = new ProcessStartInfo("dotnet", dotnetArguments)
        {
            WorkingDirectory = workDir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        // Outside Development the service needs its public address; a test may pass its own (or "" for none).
        start.Environment["PublicBaseUrl"] = "https://outcomes.process-test.example";
        foreach (var key in unset ?? []) start.Environment.Remove(key);
        // Several services run at once: each metrics listener takes a free port (logged; a test may pass its own).
        start.Environment["Metrics__Port"] = "0";
        foreach (var (key, value) in environment) start.Environment[key] = value;
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>
    /// The service as a newcomer starts it: <c>dotnet run --project src/KetamineOutcomes.Api -- …</c> typed in
    /// <paramref name="workDir"/> (without building again: the test run built it), launch profile and all.
    /// </summary>
    public static BuiltService DotnetRun(string workDir, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string> arguments, IReadOnlyList<string>? unset = null) =>
        new(["run", "--no-build", "-c", Configuration, "--project", Path.Combine(RepoPaths.Root, "src", "KetamineOutcomes.Api"), "--", .. arguments],
            workDir, environment, unset);

    // Same configuration as this test assembly (Debug or Release).
    private static string Configuration => typeof(BuiltService).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;

    /// <summary>The built service's assembly, in the same configuration as this test assembly (Debug or Release).</summary>
    public static string Dll
    {
        get
        {
            var dll = Path.Combine(RepoPaths.Root, "src", "KetamineOutcomes.Api", "bin", Configuration, "net10.0", "KetamineOutcomes.Api.dll");
            Assert.True(File.Exists(dll), $"built service not found at {dll}");
            return dll;
        }
    }

    /// <summary>The address Kestrel reports once it listens.</summary>
    public Task<Uri> ListeningAsync() => _listening.Task.WaitAsync(TimeSpan.FromSeconds(60));

    /// <summary>The exit code, once the process has ended by itself (e.g. refused to start).</summary>
    public async Task<int> ExitCodeAsync()
    {
        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        _process.WaitForExit(); // flushes the redirected output
        return _process.ExitCode;
    }

    public string[] OutputLines()
    {
        lock (_output) return [.. _output];
    }

    /// <summary>SIGTERM, as systemd stops the service: a graceful stop (see <see cref="ExitCodeAsync"/> for its end).</summary>
    public async Task TerminateAsync()
    {
        using var kill = Process.Start(new ProcessStartInfo("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))!;
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    /// <summary>True once the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    private void OnLine(string? line)
    {
        if (line is null) return;
        lock (_output) _output.Add(line);
        var m = ListeningOn().Match(line);
        if (m.Success) _listening.TrySetResult(new Uri(m.Groups[1].Value));
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
    }
}
