using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// The built service in a process of its own (so its metrics hold its own work only, not that of the tests' other
/// in-process services) on a store of its own, with its metrics listener on a free loopback port and store gauges read
/// afresh at every scrape; webhook deliveries go to a closed port and stay pending. Runs one workload: patients,
/// PHQ-9s raising alerts of every level, one high alert acknowledged, reads by id, MRN and FHIR search (their audit rows
/// deferred: Audit:ReadDurability=deferred).
/// </summary>
public sealed partial class MetricsService : IAsyncLifetime
{
    public const string AdminKey = "metrics-test-bootstrap-admin-key-0123456789";
    private readonly string _workDir = Directory.CreateTempSubdirectory("ko-metrics-").FullName;

    public MetricsService()
    {
        Store = TestStore.Create();
        Service = new BuiltService(_workDir, new Dictionary<string, string>
        {
            ["Auth__BootstrapAdminKey"] = AdminKey,
            ["Storage__Provider"] = Store.Provider,
            ["ConnectionStrings__Outcomes"] = Store.ConnectionString,
            ["Storage__WriteTimeout"] = "00:00:01",
            ["RateLimiting__PermitsPerSecond"] = "100000",
            ["RateLimiting__Burst"] = "100000",
            ["Metrics__StoreReadInterval"] = "00:00:00",
            ["Webhooks__Endpoints__0__Name"] = "metrics-test-receiver",
            ["Webhooks__Endpoints__0__Url"] = $"http://127.0.0.1:{ClosedPort()}/hook",
            ["Webhooks__Endpoints__0__Secret"] = "metrics-test-webhook-secret-0123456789",
            ["Webhooks__InProcessRetries"] = "0",
            ["Webhooks__AttemptTimeout"] = "00:00:02",
            // After a failed attempt a delivery waits long: it stays pending for the whole test.
            ["Webhooks__BaseDelay"] = "00:30:00",
            ["Webhooks__MaxDelay"] = "01:00:00",
            // The backlog counted is the alerts' (registering a patient would also make its enrolment occurrences due).
            ["Scheduler__Enabled"] = "false",
            // Read audit rows follow their answers (issue 24), so the deferred-row series are exported and checked too.
            ["Audit__ReadDurability"] = "deferred",
        });
    }

    public TestStore Store { get; }
    internal BuiltService Service { get; }
    public HttpClient Admin { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };
    public HttpClient Clinician { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };
    public HttpClient Scraper { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Where the service says Prometheus scrapes.</summary>
    public Uri ScrapeUrl { get; private set; } = null!;

    public Uri ApiBase { get; private set; } = null!;

    /// <summary>When the workload began: no alert or delivery it made is older.</summary>
    public DateTimeOffset WorkloadStarted { get; private set; }

    public List<string> PatientIds { get; } = [];
    public List<string> Mrns { get; } = [];

    /// <summary>Successful writes the workload made (each answered 2xx).</summary>
    public int Writes { get; private set; }

    public async Task InitializeAsync()
    {
        ApiBase = await Service.ListeningAsync();
        ScrapeUrl = await ScrapeUrlAsync();
        Admin.BaseAddress = Clinician.BaseAddress = ApiBase;
        Admin.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        WorkloadStarted = DateTimeOffset.UtcNow;

        var key = await Admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "metrics clinician", role = "clinician" });
        Assert.Equal(HttpStatusCode.Created, key.StatusCode);
        Writes++;
        Clinician.DefaultRequestHeaders.Add("X-Api-Key", (string)(await key.Content.ReadFromJsonAsync<JsonNode>())!["key"]!);

        // item 9 of 3, 3, 2, 1, 1 and 0: two high alerts, one moderate, two low, and a PHQ-9 that raises none.
        int[][] item9ByPatient = [[3], [3, 2], [1, 1, 0]];
        foreach (var item9s in item9ByPatient)
        {
            var mrn = $"MRN-METRICS-{Guid.NewGuid():N}";
            var patient = await CreatedAsync("/api/v1/patients", new { mrn, siteId = "north", birthYear = 1980, sex = "female", diagnoses = new[] { "trd" }, researchConsent = true });
            var id = (string)patient["id"]!;
            Mrns.Add(mrn);
            PatientIds.Add(id);
            var at = new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
            foreach (var item9 in item9s)
            {
                at = at.AddDays(1);
                await CreatedAsync($"/api/v1/patients/{id}/questionnaires", new
                {
                    instrument = "phq9", completedAt = at.ToString("yyyy-MM-dd'T'HH:mm:ssK", System.Globalization.CultureInfo.InvariantCulture),
                    items = new[] { 2, 2, 2, 2, 1, 1, 1, 1, item9 },
                });
            }
            Assert.Equal(HttpStatusCode.OK, (await Clinician.GetAsync($"/api/v1/patients/{id}")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await Clinician.GetAsync($"/api/v1/patients?mrn={mrn}")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await Clinician.GetAsync($"/fhir/r4/Observation?patient={id}")).StatusCode);
        }
        var high = (await Clinician.GetFromJsonAsync<JsonNode>("/api/v1/safety-alerts?status=open&level=high"))!["items"]!.AsArray();
        var ack = await Clinician.PostAsJsonAsync($"/api/v1/safety-alerts/{high[0]!["id"]}/acknowledge", new { note = "Called the patient; safety plan reviewed." });
        Assert.Equal(HttpStatusCode.OK, ack.StatusCode);
        Writes++;
    }

    private async Task<JsonNode> CreatedAsync(string url, object body)
    {
        var response = await Clinician.PostAsJsonAsync(url, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"POST {url} → {(int)response.StatusCode}: {text}");
        Writes++;
        return JsonNode.Parse(text)!;
    }

    /// <summary>Scrapes the metrics listener.</summary>
    internal async Task<PrometheusText> ScrapeAsync()
    {
        var response = await Scraper.GetAsync(ScrapeUrl);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>The open alerts of one level as the clinician queue lists them.</summary>
    public async Task<int> QueueCountAsync(string level) =>
        (await Clinician.GetFromJsonAsync<JsonNode>($"/api/v1/safety-alerts?status=open&level={level}&limit=500"))!["items"]!.AsArray().Count;

    private async Task<Uri> ScrapeUrlAsync()
    {
        for (var i = 0; i < 600; i++)
        {
            foreach (var line in Service.OutputLines())
                if (MetricsAt().Match(line) is { Success: true } m) return new Uri(m.Groups[1].Value);
            await Task.Delay(100);
        }
        throw new TimeoutException("The service never said where its metrics are: " + string.Join('\n', Service.OutputLines()));
    }

    [GeneratedRegex(@"Metrics for Prometheus at (http://[0-9.]+:\d+/metrics)")]
    private static partial Regex MetricsAt();

    private static int ClosedPort() => TestPorts.Free();

    public Task DisposeAsync()
    {
        Admin.Dispose();
        Clinician.Dispose();
        Scraper.Dispose();
        Service.Dispose();
        Store.Dispose();
        Directory.Delete(_workDir, recursive: true);
        return Task.CompletedTask;
    }
}
