using System.Text.RegularExpressions;
using KetamineOutcomes.Data.Infrastructure;
using Microsoft.Extensions.Options;

namespace KetamineOutcomes.Api.Infrastructure;

/// <summary>
/// The one place a setting that cannot be read or is not allowed becomes what an operator sees: one plain line naming
/// the setting (no stack trace), after which Program exits with code 1 before anything starts. Every settings section
/// is registered with <c>ValidateOnStart</c> (<see cref="SettingsValidation.ValidateSettings{T}"/>), so this covers
/// them all: validation failures (<c>Auth:BootstrapAdminKey</c> too short, <c>Research:MinCellSize</c> below 5,
/// <c>Storage:Provider</c> not one of its names, <c>PublicBaseUrl</c>), values the binder cannot convert
/// (<c>Storage:WriteTimeout=abc</c>) and a SQLite store whose folder is missing (<see cref="SqliteStoreLocation"/>).
/// </summary>
internal static partial class StartupProblem
{
    /// <summary>Runs every start-up validation; null when all pass, else the line to print.</summary>
    public static string? Find(IServiceProvider services)
    {
        try
        {
            services.GetRequiredService<IStartupValidator>().Validate();
            return Store(services);
        }
        catch (OptionsValidationException e)
        {
            return string.Join(" ", e.Failures);
        }
        catch (AggregateException e) when (e.InnerExceptions.All(i => i is OptionsValidationException))
        {
            return string.Join(" ", e.InnerExceptions.Cast<OptionsValidationException>().SelectMany(i => i.Failures));
        }
        catch (InvalidOperationException e) when (FailedBinding().IsMatch(e.Message) || e.Message.Contains("binding has failed", StringComparison.Ordinal))
        {
            return Unreadable(e);
        }
    }

    /// <summary>
    /// Null when every <c>Logging:…:LogLevel:…</c> value is a level Microsoft.Extensions.Logging reads (Trace, Debug,
    /// Information, Warning, Error, Critical, None); else the line to print. Checked before the host is built: the logging
    /// set-up would otherwise end the start in a stack trace (exit 134) on, say, <c>Verbose</c>.
    /// </summary>
    public static string? LogLevels(IConfiguration configuration)
    {
        foreach (var setting in configuration.GetSection("Logging").AsEnumerable())
        {
            var parts = setting.Key.Split(':');
            if (setting.Value is null || parts.Length < 2 || !parts[^2].Equals("LogLevel", StringComparison.OrdinalIgnoreCase)) continue;
            if (!Enum.TryParse<LogLevel>(setting.Value, ignoreCase: true, out var level) || !Enum.IsDefined(level) || int.TryParse(setting.Value, out _))
                return $"{setting.Key} must be one of Trace, Debug, Information, Warning, Error, Critical, None; got '{setting.Value}'.";
        }
        return null;
    }

    // The primary store, then the research replica: each connection string must be readable by its provider's driver
    // (a SQLite string left in place after Storage:Provider=postgres is the usual slip), and a store file must have a
    // folder to live in; a replica is never created, so its file must already exist.
    private static string? Store(IServiceProvider services)
    {
        IConnectionFactory primary;
        try
        {
            primary = services.GetRequiredService<IConnectionFactory>();
        }
        catch (ArgumentException e)
        {
            return Unreadable("ConnectionStrings:Outcomes", services, e);
        }
        if (SqliteStoreLocation.Problem(primary) is { } problem) return problem;
        ResearchReads research;
        try
        {
            research = services.GetRequiredService<ResearchReads>();
        }
        catch (ArgumentException e)
        {
            return Unreadable("ConnectionStrings:Research", services, e);
        }
        return ReferenceEquals(research.Connections, primary) ? null : SqliteStoreLocation.ReplicaProblem(research.Connections);
    }

    // The driver's message names the keyword it could not read; the connection string itself (it may hold a password)
    // is never printed.
    private static string Unreadable(string setting, IServiceProvider services, ArgumentException e)
    {
        var provider = services.GetRequiredService<IOptions<StorageOptions>>().Value.Provider;
        var name = provider == "postgres" ? "PostgreSQL" : "SQLite";
        return $"{setting} is not a {name} connection string (Storage:Provider={provider}): {e.Message.ReplaceLineEndings(" ")}";
    }

    // The binder's message carries the path and the type; other binding errors are printed as they come, on one line.
    private static string Unreadable(InvalidOperationException e)
    {
        var m = FailedBinding().Match(e.Message);
        if (!m.Success) return e.Message.ReplaceLineEndings(" ");
        var expected = m.Groups["type"].Value switch
        {
            "System.TimeSpan" => "a duration as hh:mm:ss, e.g. 00:00:05",
            "System.Int32" or "System.Int64" => "a whole number",
            "System.Boolean" => "true or false",
            "System.Double" or "System.Decimal" => "a number",
            var type => $"a value of type {type}",
        };
        return $"{m.Groups["path"].Value} must be {expected}; got '{m.Groups["value"].Value}'.";
    }

    [GeneratedRegex(@"^Failed to convert configuration value '(?<value>.*)' at '(?<path>[^']*)' to type '(?<type>[^']*)'\.$", RegexOptions.Singleline)]
    private static partial Regex FailedBinding();
}
