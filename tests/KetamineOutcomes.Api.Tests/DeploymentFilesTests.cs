using System.Diagnostics;
using System.Text.RegularExpressions;

namespace KetamineOutcomes.Api.Tests;

/// <summary>The deployment examples (deploy/) agree with the service and with each other.</summary>
public partial class DeploymentFilesTests
{
    private static string Read(params string[] path) => File.ReadAllText(Path.Combine([RepoPaths.Root, .. path]));

    [Fact]
    public void The_unit_runs_the_published_assembly_on_the_port_nginx_forwards_to_and_trusts_only_that_proxy()
    {
        var unit = Read("deploy", "systemd", "ketamine-outcomes.service");
        var proxy = Read("deploy", "nginx", "ketamine-outcomes.conf");
        var exec = ExecStart().Match(unit);
        Assert.True(exec.Success, "ExecStart runs dotnet on the published dll with --urls");
        Assert.Equal(typeof(Program).Assembly.GetName().Name + ".dll", exec.Groups["dll"].Value);
        Assert.Equal("http://127.0.0.1:8080", exec.Groups["urls"].Value);
        Assert.Contains("proxy_pass http://127.0.0.1:8080;", proxy, StringComparison.Ordinal);
        Assert.Contains("Environment=ReverseProxy__KnownProxies__0=127.0.0.1", unit, StringComparison.Ordinal);
        // nginx replaces the client's header with the address it saw (one hop), never appends to it.
        Assert.Contains("proxy_set_header X-Forwarded-For $remote_addr;", proxy, StringComparison.Ordinal);
        Assert.DoesNotContain("$proxy_add_x_forwarded_for", proxy, StringComparison.Ordinal);
        Assert.Contains("Environment=ASPNETCORE_ENVIRONMENT=Production", unit, StringComparison.Ordinal);
        Assert.Contains("EnvironmentFile=/etc/ketamine-outcomes/env", unit, StringComparison.Ordinal);
        // No secret in the example files.
        Assert.DoesNotContain("BootstrapAdminKey=", unit.Split('\n').Where(l => !l.TrimStart().StartsWith('#')).Aggregate("", (a, l) => a + l), StringComparison.Ordinal);
    }

    [Theory]
    // A configuration error exits with 1 (StartupProblem): restarting cannot fix it.
    [InlineData("RestartPreventExitStatus", "1")]
    [InlineData("CapabilityBoundingSet", "")]
    [InlineData("AmbientCapabilities", "")]
    [InlineData("ProtectClock", "yes")]
    [InlineData("ProtectHostname", "yes")]
    [InlineData("ProtectKernelLogs", "yes")]
    [InlineData("RestrictNamespaces", "yes")]
    [InlineData("PrivateMounts", "yes")]
    [InlineData("SystemCallFilter", "@system-service")]
    [InlineData("SystemCallErrorNumber", "EPERM")]
    [InlineData("SystemCallArchitectures", "native")]
    [InlineData("ProtectProc", "invisible")]
    [InlineData("ProcSubset", "pid")]
    [InlineData("LockPersonality", "yes")]
    [InlineData("RestrictRealtime", "yes")]
    [InlineData("RestrictSUIDSGID", "yes")]
    [InlineData("NoNewPrivileges", "yes")]
    [InlineData("ProtectSystem", "strict")]
    // The .NET JIT maps the code it writes as executable: "yes" would stop the runtime.
    [InlineData("MemoryDenyWriteExecute", "no")]
    public void The_unit_sets_each_hardening_directive_once_to_what_the_dotnet_runtime_allows(string directive, string value)
    {
        var settings = Read("deploy", "systemd", "ketamine-outcomes.service").Split('\n')
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#') && l.Contains('=', StringComparison.Ordinal))
            .Select(l => l.Split('=', 2)).Where(kv => kv[0] == directive).Select(kv => kv[1]).ToArray();
        Assert.Equal([value], settings);
    }

    [Fact]
    public void The_units_restore_steps_give_the_restored_file_the_dynamic_users_ownership_and_the_readme_repeats_them()
    {
        // systemd re-owns a StateDirectory's contents on start only when the folder's owner differs: a file root copied
        // in would stay root's. The owner is the folder's, by reference (the dynamic user has no name while stopped).
        const string chown = "chown --reference=/var/lib/private/ketamine-outcomes ketamine-outcomes.db";
        Assert.Contains(chown, Read("deploy", "systemd", "ketamine-outcomes.service"), StringComparison.Ordinal);
        Assert.Contains(chown, Read("README.md"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_units_systemd_exposure_score_stays_at_most_2_where_systemd_is_installed()
    {
        const string analyze = "/usr/bin/systemd-analyze";
        // Not a skip: the directives are checked above on every machine; this adds systemd's own score where it exists.
        if (!File.Exists(analyze)) return;
        var start = new ProcessStartInfo(analyze, ["security", "--offline=yes", Path.Combine(RepoPaths.Root, "deploy", "systemd", "ketamine-outcomes.service")])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var stdout = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        var score = Exposure().Match(stdout);
        Assert.True(score.Success, stdout);
        Assert.True(double.Parse(score.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) <= 2.0, score.Value);
    }

    [Fact]
    public async Task The_unit_file_passes_systemd_analyze_verify_where_systemd_is_installed()
    {
        const string analyze = "/usr/bin/systemd-analyze";
        // Not a skip: the file's content is checked above on every machine; this adds systemd's own parser where it exists.
        if (!File.Exists(analyze)) return;
        var start = new ProcessStartInfo(analyze, ["verify", Path.Combine(RepoPaths.Root, "deploy", "systemd", "ketamine-outcomes.service")])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        using var process = Process.Start(start)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        // verify also complains about an ExecStart binary this machine lacks (no /usr/bin/dotnet): only syntax errors count.
        var problems = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(l => !l.Contains("is not executable", StringComparison.Ordinal) && !l.Contains("No such file", StringComparison.Ordinal)
                        && !l.Contains("Command /usr/bin/dotnet", StringComparison.Ordinal))
            .ToArray();
        Assert.True(problems.Length == 0, string.Join("\n", problems));
    }

    [Fact]
    public void The_license_is_Apache_2_0() =>
        Assert.Contains("Apache License\n                           Version 2.0, January 2004", Read("LICENSE"), StringComparison.Ordinal);

    [GeneratedRegex(@"Overall exposure level for \S+: (\d+\.\d)")]
    private static partial Regex Exposure();

    [GeneratedRegex(@"^ExecStart=/usr/bin/dotnet /opt/ketamine-outcomes/(?<dll>\S+) --urls (?<urls>\S+)$", RegexOptions.Multiline)]
    private static partial Regex ExecStart();
}
