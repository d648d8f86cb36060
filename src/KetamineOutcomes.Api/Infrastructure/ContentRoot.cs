namespace KetamineOutcomes.Api.Infrastructure;

internal static class ContentRoot
{
    /// <summary>
    /// ASP.NET Core reads appsettings.json from the working directory. A deployed service is often started elsewhere
    /// (<c>dotnet /opt/app/KetamineOutcomes.Api.dll</c>): then use the folder of the binaries, so its settings, including
    /// the no-PHI log levels, still apply. Null keeps the framework default.
    /// </summary>
    public static string? Resolve(string[] args)
    {
        if (args.Any(a => a.StartsWith("--contentRoot", StringComparison.OrdinalIgnoreCase))) return null;
        if (File.Exists(Path.Combine(Directory.GetCurrentDirectory(), "appsettings.json"))) return null;
        return File.Exists(Path.Combine(AppContext.BaseDirectory, "appsettings.json")) ? AppContext.BaseDirectory : null;
    }
}
