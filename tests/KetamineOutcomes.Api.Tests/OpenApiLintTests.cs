using System.Diagnostics;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// Runs where Node.js and the lint folder's Spectral are installed (<c>cd tests/KetamineOutcomes.OpenApiLint &amp;&amp; npm ci</c>);
/// skipped elsewhere, so the README's <c>dotnet test</c> passes on a machine without them. <c>.ci/run</c> installs them and
/// sets <c>KO_REQUIRE_SPECTRAL=1</c>: there a missing linter fails the test instead of skipping it.
/// </summary>
public sealed class SpectralFactAttribute : FactAttribute
{
    public SpectralFactAttribute()
    {
        if (OpenApiLintTests.SpectralRequired) return;
        if (OpenApiLintTests.MissingForSpectral() is { } missing)
            Skip = $"{missing}. To run: (cd tests/KetamineOutcomes.OpenApiLint && npm ci), then dotnet test (README \"OpenAPI\"; .ci/run does this).";
    }
}

/// <summary>The committed openapi/v1.json passes Spectral's standard <c>spectral:oas</c> ruleset with no error and no warning.</summary>
public sealed class OpenApiLintTests
{
    private static readonly string LintDir = Path.Combine(RepoPaths.Root, "tests", "KetamineOutcomes.OpenApiLint");
    private static readonly string SpectralCli = Path.Combine(LintDir, "node_modules", "@stoplight", "spectral-cli", "dist", "index.js");
    private static readonly string Ruleset = Path.Combine(RepoPaths.Root, ".spectral.yaml");

    internal static bool SpectralRequired => Environment.GetEnvironmentVariable("KO_REQUIRE_SPECTRAL") == "1";

    /// <summary>What this machine lacks to run Spectral, or null.</summary>
    internal static string? MissingForSpectral()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        if (!path.Split(Path.PathSeparator).Any(d => File.Exists(Path.Combine(d, "node")))) return "no node on PATH";
        if (!File.Exists(SpectralCli)) return $"@stoplight/spectral-cli not installed in {LintDir} (npm ci)";
        return null;
    }

    [SpectralFact]
    public async Task Committed_document_has_no_spectral_oas_errors_or_warnings()
    {
        Assert.Null(MissingForSpectral()); // with KO_REQUIRE_SPECTRAL=1 a missing linter fails here
        var results = await LintAsync(Path.Combine(RepoPaths.Root, "openapi", "v1.json"));
        var problems = results.Where(r => (int)r!["severity"]! <= 1) // 0 error, 1 warning, 2 info, 3 hint
            .Select(r => $"{(string)r!["code"]!} at {string.Join('.', r["path"]!.AsArray().Select(p => p!.ToString()))}: {(string)r["message"]!}")
            .ToList();
        Assert.True(problems.Count == 0, "spectral lint openapi/v1.json:\n" + string.Join('\n', problems));
    }

    [SpectralFact]
    public async Task The_linter_does_report_a_broken_document()
    {
        Assert.Null(MissingForSpectral());
        // Guards against a lint that passes because it checks nothing: break what this issue fixed and look for it.
        var doc = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(RepoPaths.Root, "openapi", "v1.json")))!.AsObject();
        doc.Remove("servers");
        var infusion = doc["paths"]!["/api/v1/patients/{patientId}/infusions"]!["post"]!["requestBody"]!["content"]!["application/json"]!["example"]!.AsObject();
        infusion.Remove("route");
        var broken = Path.Combine(Directory.CreateTempSubdirectory("ko-lint-").FullName, "broken.json");
        await File.WriteAllTextAsync(broken, doc.ToJsonString());
        try
        {
            var codes = (await LintAsync(broken)).Select(r => (string)r!["code"]!).ToHashSet();
            Assert.Contains("oas3-api-servers", codes);
            Assert.Contains("oas3-valid-media-example", codes);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(broken)!, recursive: true);
        }
    }

    private static async Task<JsonArray> LintAsync(string document)
    {
        var start = new ProcessStartInfo("node", [SpectralCli, "lint", document, "--ruleset", Ruleset, "--format", "json", "--quiet"])
        {
            WorkingDirectory = LintDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var node = Process.Start(start)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await node.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            node.Kill(entireProcessTree: true);
            throw;
        }
        var text = await stdout;
        // Exit code 1 means "results at or above the fail severity"; anything else than JSON output is a crash.
        Assert.True(node.ExitCode is 0 or 1 && text.TrimStart().StartsWith('['), $"spectral failed ({node.ExitCode}): {await stderr}\n{text}");
        return JsonNode.Parse(text)!.AsArray();
    }
}
