using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// Group commit must not weaken durability: the built service is killed (SIGKILL) while concurrent submissions — or
/// corrections (issue 20) — are in flight, and every one it had acknowledged must be in the SQLite file afterwards.
/// </summary>
public sealed class KillDurabilityTests : IDisposable
{
    private const string AdminKey = "kill-test-bootstrap-admin-key-0123456789abc";
    private readonly string _workDir = Directory.CreateTempSubdirectory("ko-kill-").FullName;
    private BuiltService? _service;

    [Fact]
    public async Task Every_acknowledged_submission_is_in_the_file_after_the_process_is_killed_mid_load()
    {
        var (http, patient) = await ClinicianWithPatientAsync();
        using var _ = http;

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

        await using var c = await OpenFileAsync();
        var stored = (await QueryAsync(c, "SELECT id FROM questionnaires", r => r.GetString(0))).ToHashSet(StringComparer.OrdinalIgnoreCase);

        Assert.True(acknowledged.Count >= 300);
        Assert.All(acknowledged, id => Assert.Contains(id, stored));
    }

    /// <summary>One correction the service answered 200: the record, the version it answered, and whether it was a marking.</summary>
    private sealed record Acknowledged(string Id, int Version, bool Marking);

    [Fact]
    public async Task Every_acknowledged_correction_is_in_the_file_and_every_record_has_all_its_versions_after_a_kill_mid_burst()
    {
        var (http, patient) = await ClinicianWithPatientAsync();
        using var _ = http;
        // Few records, many writers: corrections of one record race (412/409 are expected answers), and each record
        // gathers a long history.
        var urls = new List<string>();
        for (var n = 0; n < 12; n++)
        {
            var (kind, body) = n % 3 == 0
                ? ("infusions", (object)new { administeredAt = $"2026-01-{n + 1:00}T09:00:00Z", route = "iv", drug = "ketamine", doseMgPerKg = 0.5 })
                : ("questionnaires", new { instrument = "phq9", completedAt = $"2026-01-{n + 1:00}T09:00:00Z", items = new[] { 1, 1, 1, 1, 1, 1, 1, 1, 0 } });
            var created = await http.PostAsJsonAsync($"/api/v1/patients/{patient}/{kind}", body);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            urls.Add($"/api/v1/patients/{patient}/{kind}/{(string)(await created.Content.ReadFromJsonAsync<JsonNode>())!["id"]!}");
        }

        var acknowledged = new ConcurrentBag<Acknowledged>();
        using var stop = new CancellationTokenSource();
        var senders = Enumerable.Range(0, 16).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                try
                {
                    // Read the record, then correct it with the version read as If-Match, as a clinician's screen would.
                    var pick = random.Next(urls.Count);
                    var url = urls[pick];
                    var read = (await http.GetFromJsonAsync<JsonNode>(url))!;
                    if ((string)read["status"]! == "entered-in-error") continue;
                    // Only half the records may be marked, so amendments never run out of records to change.
                    var marking = pick % 2 == 0 && random.Next(40) == 0;
                    var infusion = url.Contains("/infusions/", StringComparison.Ordinal);
                    // Every amendment changes a value (a no-op PUT stores no version): its time is unique to this worker and step.
                    var at = $"2026-01-{random.Next(1, 28):00}T{worker:00}:{n / 60 % 60:00}:{n % 60:00}Z";
                    object body = marking ? new { reason = $"kill test {worker}-{n}" }
                        : infusion ? new { administeredAt = at, route = "iv", drug = "ketamine", doseMgPerKg = 0.5, reason = $"kill test {worker}-{n}" }
                        : new { instrument = "phq9", completedAt = at, items = new[] { random.Next(4), 1, 1, 1, 1, 1, 1, 1, 0 }, reason = $"kill test {worker}-{n}" };
                    using var request = new HttpRequestMessage(marking ? HttpMethod.Post : HttpMethod.Put, marking ? url + "/entered-in-error" : url)
                    {
                        Content = JsonContent.Create(body),
                    };
                    request.Headers.TryAddWithoutValidation("If-Match", $"W/\"{(int)read["version"]!}\"");
                    using var response = await http.SendAsync(request);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        var answer = (await response.Content.ReadFromJsonAsync<JsonNode>())!;
                        acknowledged.Add(new Acknowledged((string)answer["id"]!, (int)answer["version"]!, marking));
                    }
                    else if (response.StatusCode is not (HttpStatusCode.PreconditionFailed or HttpStatusCode.Conflict))
                        throw new InvalidOperationException($"{request.Method} {url} → {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                }
                catch (HttpRequestException)
                {
                    return; // the process is gone
                }
            }
        })).ToArray();

        var deadline = DateTime.UtcNow.AddMinutes(1);
        while (acknowledged.Count < 200 && senders.All(s => !s.IsCompleted) && DateTime.UtcNow < deadline) await Task.Delay(10);
        await _service!.KillAsync();
        await stop.CancelAsync();
        await Task.WhenAll(senders); // rethrows an answer other than 200, 409 or 412

        await using var c = await OpenFileAsync();
        Assert.Equal(["ok"], await QueryAsync(c, "PRAGMA integrity_check", r => r.GetString(0)));
        var current = (await QueryAsync(c, """
            SELECT id, version, status, 'questionnaire' FROM questionnaires UNION ALL SELECT id, version, status, 'infusion' FROM infusions
            """, r => (Id: r.GetString(0).ToLowerInvariant(), Version: r.GetInt32(1), Status: r.GetString(2), Type: r.GetString(3))))
            .ToDictionary(r => r.Id);
        var history = (await QueryAsync(c, "SELECT record_type, record_id, COUNT(*), MIN(version), MAX(version) FROM record_versions GROUP BY record_type, record_id",
            r => (Type: r.GetString(0), Id: r.GetString(1).ToLowerInvariant(), Count: r.GetInt32(2), Min: r.GetInt32(3), Max: r.GetInt32(4))))
            .ToDictionary(r => r.Id);

        Assert.True(acknowledged.Count >= 200, $"{acknowledged.Count} corrections acknowledged before the kill");
        // Every acknowledged change is there: its version or a later one; an acknowledged marking stays the last word.
        Assert.All(acknowledged, a =>
        {
            var row = current[a.Id.ToLowerInvariant()];
            Assert.True(row.Version >= a.Version, $"{a.Id}: acknowledged version {a.Version}, the file has {row.Version}");
            if (a.Marking) Assert.Equal((a.Version, "entered-in-error"), (row.Version, row.Status));
        });
        // Every record's history is exactly versions 1 … current − 1: no gap, no version without its row, no row ahead.
        Assert.Equal(12, current.Count);
        Assert.All(current.Values, r =>
        {
            var h = history.GetValueOrDefault(r.Id);
            Assert.Equal((r.Version - 1, r.Version == 1 ? 0 : 1, r.Version - 1, r.Type), (h.Count, h.Min, h.Max, h.Type ?? r.Type));
        });
        Assert.Empty(history.Keys.Except(current.Keys));
        Assert.True(current.Values.Sum(r => r.Version - 1) >= 200, "the burst made at least as many versions as it acknowledged");
    }

    private async Task<(HttpClient Http, string Patient)> ClinicianWithPatientAsync()
    {
        var baseUri = await StartAsync();
        using var admin = Client(baseUri, AdminKey);
        var clinician = (string)(await (await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "kill test", role = "clinician" }))
            .Content.ReadFromJsonAsync<JsonNode>())!["key"]!;
        var http = Client(baseUri, clinician);
        var patient = (string)(await (await http.PostAsJsonAsync("/api/v1/patients", new { mrn = "KILL-1", siteId = "north", researchConsent = true }))
            .Content.ReadFromJsonAsync<JsonNode>())!["id"]!;
        return (http, patient);
    }

    private async Task<SqliteConnection> OpenFileAsync()
    {
        SqliteConnection.ClearAllPools();
        var c = new SqliteConnection($"Data Source={Path.Combine(_workDir, "ketamine-outcomes.db")};Pooling=False");
        await c.OpenAsync();
        return c;
    }

    private static async Task<List<T>> QueryAsync<T>(SqliteConnection c, string sql, Func<SqliteDataReader, T> map)
    {
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        var rows = new List<T>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add(map(reader));
        return rows;
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
