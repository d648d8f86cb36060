using System.Data.Common;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace KetamineOutcomes.Api.Tests;

/// <summary>The real service over its own store (SQLite file or PostgreSQL database, see <see cref="TestStore"/>).</summary>
public sealed class OutcomesApp : WebApplicationFactory<Program>
{
    private readonly bool _ownsStore;
    private readonly Dictionary<string, string?> _settings;
    private readonly TimeProvider? _clock;

    /// <param name="store">A store shared with other instances (e.g. a restart, or two instances over one database); not disposed here.</param>
    /// <param name="clock">The service's clock, when a test moves time itself (<see cref="TestClock"/>).</param>
    public OutcomesApp(Dictionary<string, string?>? settings = null, TestStore? store = null, TimeProvider? clock = null)
    {
        _settings = settings ?? [];
        _clock = clock;
        _ownsStore = store is null;
        Store = store ?? TestStore.Create();
    }

    public TestStore Store { get; }

    /// <summary>The public base URL the tests' service is configured with; FHIR links start with it + /fhir/r4.</summary>
    public const string PublicBaseUrl = "https://outcomes.test.example";

    public Task<DbConnection> OpenConnectionAsync() => Store.OpenAsync();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Storage:Provider", Store.Provider);
        builder.UseSetting("ConnectionStrings:Outcomes", Store.ConnectionString);
        // "Testing" is not Development: like a deployment it needs PublicBaseUrl (a test may override it).
        builder.UseSetting("PublicBaseUrl", PublicBaseUrl);
        // dotnet test prints the test host's console at its normal verbosity: the in-process services write only
        // warnings and errors there (a test that reads logs adds its own provider, which sees every level).
        builder.UseSetting("Logging:Console:LogLevel:Default", "Warning");
        // Tests run many services at once: each metrics listener takes a free port (a test may set its own).
        builder.UseSetting("Metrics:Port", "0");
        foreach (var (key, value) in _settings) builder.UseSetting(key, value);
        if (_clock is { } clock) builder.ConfigureTestServices(s => s.AddSingleton(clock));
    }

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && _ownsStore) Store.Dispose();
    }
}
