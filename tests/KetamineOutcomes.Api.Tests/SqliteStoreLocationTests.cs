using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// Where the SQLite store may be created (issue 19, break-it pass): on a first run, a new file in a folder that exists;
/// never a folder. A <c>Data Source</c> whose folder is missing, or that is a folder, is a configuration error — one line
/// naming the path, exit code 1, nothing created — not a new empty store where nobody looks.
/// </summary>
public sealed class SqliteStoreLocationTests : IDisposable
{
    private readonly string _workDir = Directory.CreateTempSubdirectory("ko-store-location-").FullName;

    private Dictionary<string, string> Environment(string dataSource) => new()
    {
        ["Auth__BootstrapAdminKey"] = "store-location-test-admin-key-0123456789abcd",
        ["ConnectionStrings__Outcomes"] = $"Data Source={dataSource}",
    };

    [Theory]
    [InlineData("missing/outcomes.db", "missing")]          // relative to the working directory
    [InlineData("{0}/missing/outcomes.db", "missing")]
    [InlineData("{0}/missing/deeper/outcomes.db", "missing/deeper")]
    public async Task A_data_source_whose_folder_does_not_exist_stops_the_service_with_one_line_naming_it_and_creates_nothing(string dataSource, string folder)
    {
        var given = dataSource.Replace("{0}", _workDir, StringComparison.Ordinal);
        using var service = new BuiltService(_workDir, Environment(given));
        Assert.Equal(1, await service.ExitCodeAsync());
        var line = Assert.Single(service.OutputLines(), l => l.Length > 0);
        var full = Path.Combine(_workDir, folder);
        Assert.Equal($"ConnectionStrings:Outcomes: no folder {full} for the SQLite store {Path.Combine(full, "outcomes.db")}. "
            + "Correct the path, or create the folder (owned by the service's user, mode 0700) for a new store.", line);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_workDir)); // no folder, no file
    }

    [Fact]
    public async Task A_data_source_that_is_a_folder_stops_the_service_with_one_line_naming_it()
    {
        using var service = new BuiltService(_workDir, Environment(_workDir));
        Assert.Equal(1, await service.ExitCodeAsync());
        Assert.Equal($"ConnectionStrings:Outcomes: Data Source {_workDir} is a folder; name the database file in it, e.g. Data Source={Path.Combine(_workDir, "ketamine-outcomes.db")}.",
            Assert.Single(service.OutputLines(), l => l.Length > 0));
        Assert.Empty(Directory.EnumerateFileSystemEntries(_workDir));
    }

    [Fact]
    public async Task A_new_store_in_an_existing_folder_is_created_with_one_line_that_names_it_and_the_store_files_beside_it()
    {
        // Another store file in the folder: perhaps the one meant. The line says so; a second start says nothing of it.
        File.WriteAllBytes(Path.Combine(_workDir, "ketamine-outcomes-2025.db"), []);
        var store = Path.Combine(_workDir, "ketamine-outcomes.db");
        using (var first = new BuiltService(_workDir, Environment(store)))
        {
            await first.ListeningAsync();
            Assert.True(File.Exists(store));
            var line = Assert.Single(first.OutputLines(), l => l.Contains("Creating a new store", StringComparison.Ordinal));
            Assert.Contains($"Creating a new store at {store} (other ketamine-outcomes*.db files in its folder: ketamine-outcomes-2025.db)", line, StringComparison.Ordinal);
        }
        using var second = new BuiltService(_workDir, Environment(store));
        await second.ListeningAsync();
        Assert.Contains(second.OutputLines(), l => l.Contains("Store ready", StringComparison.Ordinal));
        Assert.DoesNotContain(second.OutputLines(), l => l.Contains("Creating a new store", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_research_replica_file_that_does_not_exist_stops_the_service_with_one_line_naming_it_and_creates_nothing()
    {
        var store = Path.Combine(_workDir, "ketamine-outcomes.db");
        var replica = Path.Combine(_workDir, "replica.db");
        var environment = Environment(store);
        environment["ConnectionStrings__Research"] = $"Data Source={replica}";
        using var service = new BuiltService(_workDir, environment);
        Assert.Equal(1, await service.ExitCodeAsync());
        Assert.Equal($"ConnectionStrings:Research: no SQLite file {replica} for the research replica. Correct the path, or leave "
            + "ConnectionStrings:Research unset to read research from the primary store.", Assert.Single(service.OutputLines(), l => l.Length > 0));
        Assert.False(File.Exists(replica));
    }

    [Fact]
    public async Task A_sqlite_connection_string_left_in_place_with_the_postgres_provider_is_one_line_without_the_string()
    {
        // The usual slip: Storage:Provider switched, the connection string not. Npgsql cannot read "Data Source=…".
        var environment = Environment(Path.Combine(_workDir, "secret-name.db"));
        environment["Storage__Provider"] = "postgres";
        using var service = new BuiltService(_workDir, environment);
        Assert.Equal(1, await service.ExitCodeAsync());
        var line = Assert.Single(service.OutputLines(), l => l.Length > 0);
        Assert.StartsWith("ConnectionStrings:Outcomes is not a PostgreSQL connection string (Storage:Provider=postgres): ", line, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-name", line, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_workDir));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_workDir, recursive: true);
    }
}
