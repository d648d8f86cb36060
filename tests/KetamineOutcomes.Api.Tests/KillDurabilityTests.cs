using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// Group commit must not weaken durability: the built service is killed (SIGKILL) while concurrent submissions are in
/// flight, and every submission it had answered 201 must be in the SQLite file afterwards.
/// </summary>
public sealed class KillDurabilityTests : IDisposable
{
    private const string AdminKey = "kill-test-bootstrap-admin-key-0123456789abc";
    private readonly string _workDir = Directory.CreateTempSubdirectory("ko-kill-").FullName;
    private BuiltService? _service;

    [Fact]
    public async Task Every_acknowledged_submission_is_in_the_file_after_the_process_is_killed_mid_load()
    {
        var baseUri = await StartAsync();
        using var admin = Client(baseUri, AdminKey);
        var clinician = (string)(await (await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "kill test", role = "clinician" }))
            .Content.ReadFromJsonAsync<JsonNode>())!["key"]!;
        using var http = Client(baseUri, clinician);
        var patient = (string)(await (await http.PostAsJsonAsync("/api/v1/patients", new { mrn = "KILL-1", siteId = "north", researchConsent = true }))
            .Content.ReadFromJsonAsync<JsonNode>())!["id"]!;

        var acknowledged = new ConcurrentBag<string>();
        using var stop = new CancellationTokenSource();
        var senders = Enumerable.Range(0, 16).Select(worker => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                try
                {
                    using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/patients/{patient}/questionnaires")
                    {
                        Content = JsonContent.Create(new { instrument = "phq9", completedAt = "2026-01-05T09:00:00Z", items = new[] { 1, 1, 1, 1, 1, 1, 1, 1, 0 } }),
                    };
                    request.Headers.Add("Idempotency-Key", $"kill-{worker}-{n}");
                    using var response = await http.SendAsync(request);
                    if (response.StatusCode == HttpStatusCode.Created)
                        acknowledged.Add((string)(await response.Content.ReadFromJsonAsync<JsonNode>())!["id"]!);
                }
                catch (HttpRequestException)
                {
                    return; // the process is gone
                }
            }
        })).ToArray();

        // Let the writer batch for a while, then kill it without warning while requests are still in flight.
        while (acknowledged.Count < 300) await Task.Delay(10);
        await _service!.KillAsync();
        await stop.CancelAsync();
        await Task.WhenAll(senders);

        SqliteConnection.ClearAllPools();
        await using var c = new SqliteConnection($"Data Source={Path.Combine(_workDir, "ketamine-outcomes.db")};Pooling=False");
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT id FROM questionnaires";
        var stored = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        await using (var reader = await cmd.ExecuteReaderAsync())
            while (await reader.ReadAsync()) stored.Add(reader.GetString(0));

        Assert.True(acknowledged.Count >= 300);
        Assert.All(acknowledged, id => Assert.Contains(id, stored));
    }

    private static HttpClient Client(Uri baseUri, string key)
    {
        var http = new HttpClient { BaseAddress = baseUri };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        return http;
    }

    private Task<Uri> StartAsync()
    {
        _service = new BuiltService(_workDir, new Dictionary<string, string>
        {
            ["Auth__BootstrapAdminKey"] = AdminKey,
            ["RateLimiting__PermitsPerSecond"] = "100000",
            ["RateLimiting__Burst"] = "100000",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        });
        return _service.ListeningAsync();
    }

    public void Dispose()
    {
        _service?.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_workDir, recursive: true);
    }
}
