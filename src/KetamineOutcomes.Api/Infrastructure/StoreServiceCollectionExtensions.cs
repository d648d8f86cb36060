using System.Diagnostics.Metrics;
using KetamineOutcomes.Data.Infrastructure;
using Microsoft.Extensions.Options;

namespace KetamineOutcomes.Api.Infrastructure;

internal static class StoreServiceCollectionExtensions
{
    /// <summary>Registers the configured store (one connection factory, one <see cref="Database"/> with its retry pipeline).</summary>
    public static IServiceCollection AddOutcomesStore(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.SectionName).ValidateSettings(StorageOptions.SectionName);
        services.AddOptions<IdempotencyOptions>().BindConfiguration(IdempotencyOptions.SectionName).ValidateSettings(IdempotencyOptions.SectionName);
        services.AddOptions<SeedOptions>().BindConfiguration(SeedOptions.SectionName).ValidateSettings(SeedOptions.SectionName);
        services.AddOptions<ResearchOptions>().BindConfiguration(ResearchOptions.SectionName).ValidateSettings(ResearchOptions.SectionName);
        services.AddSingleton<IConnectionFactory>(sp =>
        {
            var connectionString = configuration.GetConnectionString("Outcomes");
            return sp.GetRequiredService<IOptions<StorageOptions>>().Value.Provider == "postgres"
                ? new NpgsqlConnectionFactory(connectionString ?? throw new InvalidOperationException("ConnectionStrings:Outcomes is required with Storage:Provider=postgres."),
                    sp.GetRequiredService<IOptions<StorageOptions>>().Value.WriteTimeout)
                : new SqliteConnectionFactory(connectionString ?? StorageOptions.DefaultSqliteConnectionString);
        });
        // Research reads may go to a read replica (ConnectionStrings:Research); everything else, audit included, to the primary.
        services.AddSingleton(sp =>
        {
            var research = configuration.GetConnectionString("Research");
            // On the primary, answers wait for the flush of what they read (see Database.ReadAsync); a replica holds only
            // what its primary made durable.
            if (string.IsNullOrWhiteSpace(research))
                return new ResearchReads(sp.GetRequiredService<IConnectionFactory>(), sp.GetRequiredService<Database>().DurableAsync);
            IConnectionFactory replica = sp.GetRequiredService<IOptions<StorageOptions>>().Value.Provider == "postgres"
                ? new NpgsqlConnectionFactory(research, sp.GetRequiredService<IOptions<StorageOptions>>().Value.WriteTimeout)
                : new SqliteConnectionFactory(research);
            return new ResearchReads(replica, _ => Task.CompletedTask);
        });
        services.AddSingleton(sp =>
        {
            var storage = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            var audit = sp.GetRequiredService<IOptions<Audit.AuditOptions>>().Value;
            return new Database(sp.GetRequiredService<IConnectionFactory>(),
                new DatabaseRetryOptions
                {
                    MaxRetryAttempts = storage.RetryAttempts, GroupCommit = storage.GroupCommit, WriteTimeout = storage.WriteTimeout,
                    DeferredAppendRows = audit.DefersReads ? audit.DeferredRowsQueued : 0,
                },
                sp.GetService<IMeterFactory>(), sp.GetService<ILoggerFactory>()?.CreateLogger("KetamineOutcomes.Audit.DeferredReads"),
                sp.GetService<ILoggerFactory>()?.CreateLogger("KetamineOutcomes.Store"));
        });
        services.AddHostedService<StoreStartup>();
        return services;
    }
}

/// <summary>
/// Applies migrations (and seeds the demo cohort if asked) before the server accepts requests, and says in one line
/// which store it is (the absolute path of a SQLite file, host and database on PostgreSQL) and what was applied.
/// </summary>
internal sealed class StoreStartup(
    IConnectionFactory connections, IOptions<StorageOptions> storage, IOptions<SeedOptions> seed,
    IServiceProvider services, ILogger<StoreStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var location = Location(connections);
        if (storage.Value.SkipMigrations)
        {
            logger.StoreMigrationsSkipped(connections.Provider, location);
        }
        else
        {
            IReadOnlyList<string> applied = [];
            switch (connections)
            {
                case SqliteConnectionFactory sqlite:
                    // Its folder exists (SqliteStoreLocation, checked before start): never created here, so a mistyped
                    // path stops the service rather than starting an empty store somewhere else.
                    if (SqliteStoreLocation.IsNew(sqlite, out var others)) logger.StoreCreating(location, others);
                    applied = MigrationRunner.MigrateSqlite(sqlite, logger);
                    break;
                case NpgsqlConnectionFactory postgres:
                    applied = MigrationRunner.MigratePostgres(postgres, logger);
                    break;
            }
            var scripts = MigrationRunner.ScriptNames(connections.Provider);
            var latest = scripts.Count == 0 ? "none" : scripts[^1].Split('.')[^2];
            logger.StoreReady(connections.Provider, location, applied.Count, latest);
        }
        if (seed.Value.Demo)
            await services.GetRequiredService<Seeding.DemoCohortSeeder>().SeedAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    // Where the data is, without credentials: a relative SQLite Data Source is relative to the working directory.
    internal static string Location(IConnectionFactory connections) => connections switch
    {
        SqliteConnectionFactory sqlite => Path.GetFullPath(sqlite.DataSource),
        NpgsqlConnectionFactory postgres => PostgresLocation(postgres.ConnectionString),
        _ => connections.Provider,
    };

    private static string PostgresLocation(string connectionString)
    {
        var b = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
        return $"{b.Host}:{b.Port}/{b.Database}";
    }
}

/// <summary>Where research queries read: the primary, or a replica named by <c>ConnectionStrings:Research</c>.</summary>
/// <param name="DurableAsync">Completes once what the research reads could have seen is on disk.</param>
internal sealed record ResearchReads(IConnectionFactory Connections, Func<CancellationToken, Task> DurableAsync);
