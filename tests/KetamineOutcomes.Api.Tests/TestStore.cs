using System.Data.Common;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// The store a test's service runs on: a temporary SQLite file by default, or — when KO_TEST_POSTGRES holds a
/// server's connection string — a fresh PostgreSQL database on that server, dropped afterwards. The whole suite thus
/// runs against either provider, unchanged. When the variable is set and the server is unreachable, tests fail.
/// </summary>
public sealed class TestStore : IDisposable
{
    public const string PostgresVariable = "KO_TEST_POSTGRES";

    private readonly string? _directory;
    private readonly string? _adminConnectionString;
    private readonly string? _database;

    private TestStore(string provider, string connectionString, string? directory, string? admin, string? database)
    {
        (Provider, ConnectionString, _directory, _adminConnectionString, _database) = (provider, connectionString, directory, admin, database);
    }

    public string Provider { get; }
    public string ConnectionString { get; }
    public bool IsPostgres => Provider == "postgres";

    public static TestStore Create()
    {
        var server = Environment.GetEnvironmentVariable(PostgresVariable);
        if (string.IsNullOrWhiteSpace(server))
        {
            var dir = Directory.CreateTempSubdirectory("ko-api-").FullName;
            return new TestStore("sqlite", $"Data Source={Path.Combine(dir, "outcomes.db")}", dir, null, null);
        }
        var database = $"ko_test_{Guid.NewGuid():N}";
        using (var admin = new NpgsqlConnection(server))
        {
            admin.Open();
            using var create = admin.CreateCommand();
            create.CommandText = $"CREATE DATABASE {database}";
            create.ExecuteNonQuery();
        }
        var builder = new NpgsqlConnectionStringBuilder(server) { Database = database };
        return new TestStore("postgres", builder.ConnectionString, null, server, database);
    }

    public async Task<DbConnection> OpenAsync()
    {
        DbConnection c = IsPostgres ? new NpgsqlConnection(ConnectionString) : new SqliteConnection(ConnectionString);
        await c.OpenAsync();
        return c;
    }

    /// <summary>Makes every insert into a table fail, as a crash between two writes of one transaction would.</summary>
    public async Task FailInsertsIntoAsync(string table)
    {
        await using var c = await OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = IsPostgres
            ? $"""
              CREATE FUNCTION fail_{table}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'simulated crash'; END; $$;
              CREATE TRIGGER fail_{table} BEFORE INSERT ON {table} FOR EACH ROW EXECUTE FUNCTION fail_{table}();
              """
            : $"CREATE TRIGGER fail_{table} BEFORE INSERT ON {table} BEGIN SELECT RAISE(ABORT, 'simulated crash'); END;";
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>Undoes <see cref="FailInsertsIntoAsync"/>: inserts into the table succeed again.</summary>
    public async Task RestoreInsertsIntoAsync(string table)
    {
        await using var c = await OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = IsPostgres
            ? $"DROP TRIGGER fail_{table} ON {table}; DROP FUNCTION fail_{table}();"
            : $"DROP TRIGGER fail_{table};";
        await cmd.ExecuteNonQueryAsync();
    }

    public void Dispose()
    {
        if (_directory is not null)
        {
            SqliteConnection.ClearAllPools();
            if (Directory.Exists(_directory)) Directory.Delete(_directory, recursive: true);
            return;
        }
        NpgsqlConnection.ClearAllPools();
        using var admin = new NpgsqlConnection(_adminConnectionString);
        admin.Open();
        using var drop = admin.CreateCommand();
        drop.CommandText = $"DROP DATABASE IF EXISTS {_database} WITH (FORCE)";
        drop.ExecuteNonQuery();
    }
}
