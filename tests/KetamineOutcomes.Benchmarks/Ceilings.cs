using System.Diagnostics;
using System.Text.Json.Serialization;
using Dapper;
using KetamineOutcomes.Data.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace KetamineOutcomes.Benchmarks;

/// <summary>The body the bare endpoint deserialises: the same shape and size as a PHQ-9 submission.</summary>
internal sealed record CeilingBody(string Instrument, string CompletedAt, int?[] Items, int? Difficulty, string? Source);

internal sealed record CeilingCreated(Guid Id, int Total);

[JsonSerializable(typeof(CeilingBody))]
[JsonSerializable(typeof(CeilingCreated))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class CeilingJson : JsonSerializerContext;

/// <summary>
/// The two yardsticks our figures are divided by, measured in the same run on the same machine: a Kestrel endpoint
/// that deserialises the body and answers 201 and nothing else, and one-row-per-transaction inserts into a SQLite
/// file with the service's durability settings (WAL, synchronous=FULL).
/// </summary>
internal static class Ceilings
{
    /// <summary>Starts a bare Kestrel server on 127.0.0.1 (an ephemeral port) in this process.</summary>
    public static async Task<WebApplication> StartBareKestrelAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, CeilingJson.Default));
        var app = builder.Build();
        app.MapPost("/ceiling/{patientId:guid}", (Guid patientId, CeilingBody body) =>
            Results.Created($"/ceiling/{patientId}/{Guid.CreateVersion7()}", new CeilingCreated(patientId, body.Items.Sum(i => i ?? 0))));
        await app.StartAsync();
        return app;
    }

    public static Uri AddressOf(WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    /// <summary>Single-row Dapper inserts, each its own transaction, for <paramref name="duration"/>: rows per second.</summary>
    public static async Task<double> RawDurableInsertsPerSecondAsync(string dbPath, TimeSpan duration)
    {
        var factory = new SqliteConnectionFactory($"Data Source={dbPath}");
        await using var c = await factory.OpenAsync(CancellationToken.None);
        await c.ExecuteAsync("PRAGMA journal_mode = WAL; CREATE TABLE IF NOT EXISTS ceiling (id TEXT PRIMARY KEY, patient_id TEXT NOT NULL, items TEXT NOT NULL, total INTEGER NOT NULL, at INTEGER NOT NULL)");
        const string sql = "INSERT INTO ceiling (id, patient_id, items, total, at) VALUES (@id, @patientId, @items, @total, @at)";
        var patient = Guid.NewGuid().ToString();
        var rows = 0L;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            await c.ExecuteAsync(sql, new { id = Guid.CreateVersion7().ToString(), patientId = patient, items = "[2,2,1,2,1,1,2,1,0]", total = 12, at = DateTime.UtcNow.Ticks });
            rows++;
        }
        return rows / clock.Elapsed.TotalSeconds;
    }
}
