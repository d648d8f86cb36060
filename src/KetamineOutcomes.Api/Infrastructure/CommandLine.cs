namespace KetamineOutcomes.Api.Infrastructure;

/// <summary>
/// The command line: the service's own flags, ASP.NET Core's host settings and configuration keys — and nothing else.
/// The rule, for each argument:
/// <list type="bullet">
/// <item>a flag of the service: <c>--seed-demo</c>, <c>--backup &lt;file&gt;</c> (lower case, words joined by dashes);</item>
/// <item>a host setting ASP.NET Core reads (<c>--urls</c>, <c>--environment</c>, <c>--contentRoot</c>, …, any case);</item>
/// <item>a configuration key: <c>--Section:Key</c> (it names its section) or <c>--Key</c> starting with a capital, as the
/// settings are spelt in the README's table (<c>--PublicBaseUrl=…</c>);</item>
/// <item>the value of the one before, when that has no <c>=value</c> of its own.</item>
/// </list>
/// Anything else — a mistyped flag (<c>--seed-demo2</c>, <c>--bakup x</c>), a single dash, a bare word — is refused
/// with one line naming it (Program exits with code 1): ASP.NET Core would drop it without a word.
/// </summary>
internal static class CommandLine
{
    /// <summary>Loads the synthetic demo cohort at start (README "Two commands"); stands for <c>--Seed:Demo=true</c>.</summary>
    public const string SeedDemo = "--seed-demo";

    // ASP.NET Core's host settings (HostDefaults, WebHostDefaults), read from the command line by the framework.
    private static readonly HashSet<string> HostSettings = new(StringComparer.OrdinalIgnoreCase)
    {
        WebHostDefaults.ServerUrlsKey, WebHostDefaults.HttpPortsKey, WebHostDefaults.HttpsPortsKey, WebHostDefaults.WebRootKey,
        WebHostDefaults.HostingStartupAssembliesKey, WebHostDefaults.HostingStartupExcludeAssembliesKey,
        WebHostDefaults.PreventHostingStartupKey, WebHostDefaults.DetailedErrorsKey, WebHostDefaults.ShutdownTimeoutKey,
        WebHostDefaults.SuppressStatusMessagesKey, WebHostDefaults.StaticWebAssetsKey,
        HostDefaults.EnvironmentKey, HostDefaults.ContentRootKey, HostDefaults.ApplicationKey,
    };

    /// <summary>
    /// The arguments with <c>--seed-demo</c> written as <c>--Seed:Demo=true</c>, anywhere on the line. Handed over as is,
    /// the bare flag would take the next argument as its value (<c>--seed-demo --urls http://…</c> read as
    /// <c>seed-demo=--urls</c>, and the address lost).
    /// </summary>
    public static string[] Normalize(string[] args) =>
        [.. args.Select(a => string.Equals(a, SeedDemo, StringComparison.Ordinal) ? $"--{SeedOptions.SectionName}:{nameof(SeedOptions.Demo)}=true" : a)];

    /// <summary>Null when every argument follows the rule above; else the one line to print.</summary>
    public static string? Problem(IReadOnlyList<string> args)
    {
        // Each flag and setting once: ASP.NET Core keeps the last of two, silently.
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (string.Equals(arg, SeedDemo, StringComparison.Ordinal))
            {
                if (!seen.Add(arg)) return $"{SeedDemo} is given twice; give it once.";
                continue;
            }
            // Its value, or a missing one, is SqliteBackupCommand's to judge.
            if (string.Equals(arg, SqliteBackupCommand.Flag, StringComparison.Ordinal))
            {
                if (!seen.Add(arg)) return $"{SqliteBackupCommand.Flag} is given twice; give one file.";
                if (i + 1 < args.Count && !args[i + 1].StartsWith('-')) i++;
                continue;
            }
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
                return $"Unexpected argument '{arg}'. {Known}";
            var name = arg[2..].Split('=', 2)[0];
            if (name.Length == 0) return $"Unexpected argument '{arg}'. {Known}";
            if (name is SeedDemoName or BackupName)
                return $"--{name} takes no '=value': write {(name == SeedDemoName ? SeedDemo : $"{SqliteBackupCommand.Flag} <file>")}.";
            if (!(HostSettings.Contains(name) || name.Contains(':', StringComparison.Ordinal) || char.IsAsciiLetterUpper(name[0])))
                return $"Unknown flag --{name}. {Known}";
            if (!seen.Add(name.Replace("__", ":", StringComparison.Ordinal))) return $"--{name} is given twice; give it once.";
            // "--Key value": the next argument is the value, whatever it looks like (as ASP.NET Core reads it).
            if (!arg.Contains('=', StringComparison.Ordinal))
            {
                if (i + 1 == args.Count) return $"--{name} has no value: write --{name} <value> or --{name}=<value>.";
                i++;
            }
        }
        // A backup runs alone and exits: anything else on its line would be ignored.
        if (seen.Contains(SqliteBackupCommand.Flag) && seen.Count > 1)
            return $"{SqliteBackupCommand.Flag} <file> runs alone (it copies the store and exits): give the other arguments to a separate start.";
        return null;
    }

    private const string SeedDemoName = "seed-demo", BackupName = "backup";

    private const string Known =
        "The service's flags are --seed-demo and --backup <file>; host settings such as --urls <address> and --environment <name>; "
        + "settings as --Section:Key=value or --Key=value, spelt as in the README's configuration table.";
}
