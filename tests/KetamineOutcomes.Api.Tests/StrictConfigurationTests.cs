using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// Configuration is read as strictly as requests (SPEC v2 Boundaries): the one enumerated setting, Storage:Provider,
/// takes exactly one of its names; a setting that is not allowed or cannot be read at all stops the built service with
/// exit code 1 and one plain line naming it, no stack trace (issue 19, point 2).
/// </summary>
public sealed class StrictConfigurationTests : IDisposable
{
    private readonly string _workDir = Directory.CreateTempSubdirectory("ko-config-").FullName;

    [Theory]
    [InlineData("sqlite,postgres")]
    [InlineData("postgres,sqlite")]
    [InlineData("1")]
    [InlineData("0")]
    [InlineData("SQLite")]
    [InlineData(" sqlite")]
    public async Task Storage_provider_as_a_list_a_number_or_another_spelling_stops_the_service_with_one_plain_line(string provider)
    {
        using var service = new BuiltService(_workDir, new Dictionary<string, string>
        {
            ["Auth__BootstrapAdminKey"] = "strict-configuration-test-admin-key-0123456789",
            ["Storage__Provider"] = provider,
        });
        Assert.Equal(1, await service.ExitCodeAsync());
        var line = Assert.Single(service.OutputLines(), l => l.Length > 0);
        Assert.Equal("Storage:Provider must be exactly one of: sqlite, postgres.", line);
    }

    [Theory]
    [InlineData("Auth__BootstrapAdminKey", "short", "Auth:BootstrapAdminKey must be at least 32 characters")]
    [InlineData("Storage__WriteTimeout", "abc", "Storage:WriteTimeout must be a duration as hh:mm:ss")]
    [InlineData("Storage__WriteTimeout", "01:00:00", "Storage:WriteTimeout must be between")]
    [InlineData("Research__MinCellSize", "3", "Research:MinCellSize must be at least 5")]
    [InlineData("Research__MinCellSize", "eleven", "Research:MinCellSize must be a whole number")]
    [InlineData("RateLimiting__Burst", "0", "RateLimiting:Burst")]
    [InlineData("Idempotency__InFlightLease", "soon", "Idempotency:InFlightLease must be a duration")]
    [InlineData("Idempotency__InFlightLease", "00:00:00", "Idempotency:InFlightLease must be between 00:00:01 and 01:00:00.")]
    [InlineData("Idempotency__InFlightLease", "-00:01:00", "Idempotency:InFlightLease must be between")]
    [InlineData("Logging__LogLevel__Default", "Verbose", "Logging:LogLevel:Default must be one of Trace, Debug, Information, Warning, Error, Critical, None; got 'Verbose'.")]
    [InlineData("Logging__Console__LogLevel__Microsoft", "2", "Logging:Console:LogLevel:Microsoft must be one of")]
    [InlineData("Seed__Demo", "yes", "Seed:Demo must be true or false")]
    [InlineData("Webhooks__Endpoints__0__Url", "not a url", "Webhooks:Endpoints:0:Url")]
    [InlineData("Scheduler__Interval", "every minute", "Scheduler:Interval must be a duration as hh:mm:ss")]
    [InlineData("Scheduler__Interval", "00:00:00", "Scheduler:Interval must be between")]
    [InlineData("Scheduler__Enabled", "yes", "Scheduler:Enabled must be true or false")]
    [InlineData("Audit__ReadDurability", "Deferred", "Audit:ReadDurability must be exactly one of: strict, deferred.")]
    [InlineData("Audit__ReadDurability", "strict,deferred", "Audit:ReadDurability must be exactly one of: strict, deferred.")]
    [InlineData("Audit__ReadDurability", " deferred", "Audit:ReadDurability must be exactly one of: strict, deferred.")]
    [InlineData("Audit__ReadDurability", "async", "Audit:ReadDurability must be exactly one of: strict, deferred.")]
    [InlineData("Audit__DeferredRowsQueued", "0", "Audit:DeferredRowsQueued")]
    public async Task A_setting_that_is_not_allowed_or_cannot_be_read_stops_the_service_with_exit_code_1_and_one_line_naming_it(
        string variable, string value, string expected)
    {
        using var service = new BuiltService(_workDir, new Dictionary<string, string>
        {
            ["Auth__BootstrapAdminKey"] = "strict-configuration-test-admin-key-0123456789",
            [variable] = value,
        });
        Assert.Equal(1, await service.ExitCodeAsync());
        var line = Assert.Single(service.OutputLines(), l => l.Length > 0);
        Assert.StartsWith(expected, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_workDir, "ketamine-outcomes.db")), "nothing starts: no database is created");
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_workDir, recursive: true);
    }
}
