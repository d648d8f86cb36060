using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Api.Tests;

/// <summary>The real service over its own temporary SQLite file (deleted on dispose).</summary>
public sealed class OutcomesApp : WebApplicationFactory<Program>
{
    private readonly string _dir;
    private readonly bool _ownsDirectory;
    private readonly Dictionary<string, string?> _settings;

    /// <param name="directory">An existing folder whose database to use (e.g. to restart on the same data); it is not deleted.</param>
    public OutcomesApp(Dictionary<string, string?>? settings = null, string? directory = null)
    {
        _settings = settings ?? [];
        _ownsDirectory = directory is null;
        _dir = directory ?? Directory.CreateTempSubdirectory("ko-api-").FullName;
    }

    public string DbPath => Path.Combine(_dir, "outcomes.db");

    public string ConnectionString => $"Data Source={DbPath}";

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("ConnectionStrings:Outcomes", ConnectionString);
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        SqliteConnection.ClearAllPools();
        if (_ownsDirectory && Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }
}
