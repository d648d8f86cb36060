using System.Diagnostics;
using System.Reflection;

namespace KetamineOutcomes.Data.Tests;

/// <summary>
/// The README's plain <c>dotnet test</c> says why a test was skipped and how to run it (issue 19, point 7): the test
/// projects run with VSTestVerbosity=normal (tests/Directory.Build.props), the console verbosity that prints xUnit's skip reason.
/// </summary>
public sealed class SkipReasonTests
{
    [Fact]
    public async Task A_plain_dotnet_test_prints_the_skip_reason_with_how_to_run_the_skipped_test()
    {
        var project = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "KetamineOutcomes.Data.Tests.csproj"));
        Assert.True(File.Exists(project), project);
        var configuration = typeof(SkipReasonTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()!.Configuration;
        var start = new ProcessStartInfo("dotnet",
            ["test", project, "--no-build", "-c", configuration, "--filter", "FullyQualifiedName~PostgresTests.Instants_and_ids_round_trip"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        // Whatever this run was given, the inner run has no server: its PostgreSQL test is skipped.
        start.Environment.Remove("KO_TEST_POSTGRES");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(3));
        var output = await stdout + await stderr;

        Assert.True(process.ExitCode == 0, output);
        Assert.Contains("Skipped: 1", output, StringComparison.Ordinal);
        Assert.Contains(PostgresFactAttribute.SkipReason, output, StringComparison.Ordinal);
        Assert.Contains("To run: KO_TEST_POSTGRES=", PostgresFactAttribute.SkipReason, StringComparison.Ordinal);
    }
}
