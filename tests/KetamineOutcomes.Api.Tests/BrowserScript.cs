using System.Diagnostics;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// Runs one of <c>tests/KetamineOutcomes.E2E</c>'s Node scripts (headless Chromium through playwright-core) and returns
/// the JSON line it prints last: what the browser saw, for the calling test to check.
/// </summary>
internal static class BrowserScript
{
    public static readonly string E2EDir = Path.Combine(RepoPaths.Root, "tests", "KetamineOutcomes.E2E");

    /// <summary>Debian's Chromium unless KO_CHROMIUM names another.</summary>
    public static readonly string Chromium = Environment.GetEnvironmentVariable("KO_CHROMIUM") ?? "/usr/bin/chromium";

    /// <param name="environment">The script's KO_* settings (KO_CHROMIUM is added).</param>
    public static async Task<JsonNode> RunAsync(string script, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("node", [script])
        {
            WorkingDirectory = E2EDir, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var (name, value) in environment) start.Environment[name] = value;
        start.Environment["KO_CHROMIUM"] = Chromium;
        using var node = Process.Start(start)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await node.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            throw new TimeoutException($"{script} took over 2 minutes: {await stderr}");
        }
        Assert.True(node.ExitCode == 0, $"{script} failed ({node.ExitCode}): {await stderr}\n{await stdout}");
        return JsonNode.Parse((await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1])!;
    }
}
