using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// Base of the integration tests: each test gets its own service and database, an admin key (the bootstrap key) and
/// a clinician key without a site, which <see cref="Client"/> sends.
/// </summary>
public abstract class ApiTest : IAsyncLifetime, IDisposable
{
    protected const string AdminKey = "test-bootstrap-admin-key-0123456789abcdef";

    /// <param name="clock">The service's clock, for a test that moves time itself; the system clock otherwise.</param>
    /// <param name="overHttp">Serve on Kestrel at 127.0.0.1 (a free port) and send real HTTP, where the in-process
    /// test server would hide what Kestrel does (body framing, connection handling).</param>
    protected ApiTest(Dictionary<string, string?>? settings = null, TimeProvider? clock = null, bool overHttp = false)
    {
        var all = new Dictionary<string, string?>
        {
            ["Auth:BootstrapAdminKey"] = AdminKey,
            // Tests send bursts far beyond a clinic's rate; the limiter has its own tests.
            ["RateLimiting:PermitsPerSecond"] = "1000000",
            ["RateLimiting:Burst"] = "10000000",
        };
        foreach (var (k, v) in settings ?? []) all[k] = v;
        App = new OutcomesApp(all, clock: clock);
        if (overHttp)
        {
            App.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
            App.StartServer();
        }
        Client = App.CreateClient();
        Admin = App.CreateClient();
        Admin.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
    }

    protected OutcomesApp App { get; }

    /// <summary>Sends the clinician key.</summary>
    protected HttpClient Client { get; }

    /// <summary>Sends the bootstrap admin key.</summary>
    protected HttpClient Admin { get; }

    protected string ClinicianKey { get; private set; } = "";

    public virtual async Task InitializeAsync()
    {
        ClinicianKey = await CreateKeyAsync("clinician");
        Client.DefaultRequestHeaders.Add("X-Api-Key", ClinicianKey);
    }

    public virtual Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Creates an API key through the admin API and returns the key.</summary>
    protected async Task<string> CreateKeyAsync(string role, string? siteId = null)
    {
        var response = await Admin.PostAsync("/api/v1/api-keys", System.Net.Http.Json.JsonContent.Create(new { name = $"test {role}", role, siteId }));
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(response.StatusCode == HttpStatusCode.Created, body?.ToJsonString());
        return (string)body!["key"]!;
    }

    /// <summary>A client that sends the given key (or none).</summary>
    protected HttpClient ClientWith(string? key)
    {
        var client = App.CreateClient();
        if (key is not null) client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    /// <summary>A fixed first-infusion time in the past, so every test's clinical times are valid.</summary>
    protected static readonly DateTimeOffset Day0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    /// <summary>The instant as a client sends it: to the microsecond at most, the precision the service keeps (finer is refused).</summary>
    protected static string Iso(DateTimeOffset t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFzzz", System.Globalization.CultureInfo.InvariantCulture);

    protected async Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> SendAsync(HttpMethod method, string url, object? body = null, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(method, url);
        if (body is string raw) request.Content = new StringContent(raw, Encoding.UTF8, "application/json");
        else if (body is not null) request.Content = JsonContent.Create(body);
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        var response = await Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text), response);
    }

    protected Task<(HttpStatusCode Status, JsonNode? Body, HttpResponseMessage Response)> PostAsync(string url, object body, string? key = null) =>
        SendAsync(HttpMethod.Post, url, body, key);

    protected async Task<JsonNode> GetOkAsync(string url)
    {
        var (status, body, _) = await SendAsync(HttpMethod.Get, url);
        Assert.True(status == HttpStatusCode.OK, $"GET {url} → {(int)status}: {body?.ToJsonString()}");
        return body!;
    }

    protected async Task<JsonNode> CreatedAsync(string url, object body, string? key = null)
    {
        var (status, json, _) = await PostAsync(url, body, key);
        Assert.True(status == HttpStatusCode.Created, $"POST {url} → {(int)status}: {json?.ToJsonString()}");
        return json!;
    }

    protected async Task<string> CreatePatientAsync(string? mrn = null, string? siteId = "north", bool consent = true) =>
        (string)(await CreatedAsync("/api/v1/patients", new { mrn = mrn ?? $"MRN-{Guid.NewGuid():N}", siteId, birthYear = 1980, sex = "female", diagnoses = new[] { "trd" }, researchConsent = consent }))["id"]!;

    protected async Task<JsonNode> InfusionAsync(string patientId, DateTimeOffset at) =>
        await CreatedAsync($"/api/v1/patients/{patientId}/infusions", new { administeredAt = Iso(at), route = "iv", drug = "ketamine", doseMgPerKg = 0.5, durationMinutes = 40 });

    protected async Task<JsonNode> Phq9Async(string patientId, DateTimeOffset at, params int?[] items) =>
        await CreatedAsync($"/api/v1/patients/{patientId}/questionnaires", new { instrument = "phq9", completedAt = Iso(at), items });

    /// <summary>Nine PHQ-9 answers summing to <paramref name="total"/> with item 9 as given.</summary>
    protected static int?[] Phq9Items(int total, int item9 = 0)
    {
        var items = new int?[9];
        items[8] = item9;
        var rest = total - item9;
        for (var i = 0; i < 8; i++)
        {
            var v = Math.Min(3, rest);
            items[i] = v;
            rest -= v;
        }
        Assert.Equal(0, rest);
        return items;
    }

    protected static IReadOnlyList<string> ErrorKeys(JsonNode? problem) =>
        problem?["errors"]?.AsObject().Select(kv => kv.Key).Order(StringComparer.Ordinal).ToArray() ?? [];

    public void Dispose()
    {
        Client.Dispose();
        Admin.Dispose();
        App.Dispose();
        GC.SuppressFinalize(this);
    }
}
