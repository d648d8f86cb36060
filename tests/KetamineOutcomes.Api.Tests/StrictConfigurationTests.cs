using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// Configuration is read as strictly as requests (SPEC v2 Boundaries): the one enumerated setting, Storage:Provider,
/// takes exactly one of its names; anything else stops the built service with one plain line.
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
        Assert.NotEqual(0, await service.ExitCodeAsync());
        var line = Assert.Single(service.OutputLines(), l => l.Length > 0);
        Assert.Equal("Storage:Provider must be exactly one of: sqlite, postgres.", line);
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_workDir, recursive: true);
    }
}
