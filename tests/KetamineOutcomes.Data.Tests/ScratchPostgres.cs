using Dapper;
using Npgsql;

namespace KetamineOutcomes.Data.Tests;

/// <summary>A fresh database on the KO_TEST_POSTGRES server for one test; dropped (connections forced off) on dispose.</summary>
public sealed class ScratchPostgres : IDisposable
{
    private readonly string _admin = Environment.GetEnvironmentVariable("KO_TEST_POSTGRES")!;

    public ScratchPostgres()
    {
        Name = $"ko_data_{Guid.NewGuid():N}";
        using var c = new NpgsqlConnection(_admin);
        c.Open();
        c.Execute($"CREATE DATABASE {Name}");
        ConnectionString = new NpgsqlConnectionStringBuilder(_admin) { Database = Name }.ConnectionString;
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        using var c = new NpgsqlConnection(_admin);
        c.Open();
        c.Execute($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
    }
}
