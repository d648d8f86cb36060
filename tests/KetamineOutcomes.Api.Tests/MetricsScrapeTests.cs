using System.Data.Common;
using System.Net;
using System.Net.Http.Json;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dapper;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// README "Metrics": after a real workload on the built service, its Prometheus endpoint (a listener of its own,
/// loopback by default) shows request rate and latency by route template, group-commit batch sizes and flush times,
/// open alerts by level and the oldest open high alert's age, the webhook backlog and its oldest delivery's age, and
/// writes given up — with the numbers the API itself gives — and nothing that names a patient.
/// </summary>
public sealed partial class MetricsScrapeTests(MetricsService service) : IClassFixture<MetricsService>
{
    [Fact]
    public async Task Request_rate_and_latency_are_recorded_by_route_template()
    {
        await service.ScrapeAsync();
        var scrape = await service.ScrapeAsync();
        const string route = "/api/v1/patients/{patientId:guid}/questionnaires/";
        var count = scrape.Single("http_server_request_duration_seconds_count",
            ("http_route", route), ("http_request_method", "POST"), ("http_response_status_code", "201"));
        var sum = scrape.Single("http_server_request_duration_seconds_sum",
            ("http_route", route), ("http_request_method", "POST"), ("http_response_status_code", "201"));
        Assert.Equal(6, count); // the workload's six PHQ-9s
        Assert.InRange(sum / count, 1e-6, 30);
        Assert.Equal(3, scrape.Single("http_server_request_duration_seconds_count",
            ("http_route", "/api/v1/patients/{id:guid}"), ("http_request_method", "GET"), ("http_response_status_code", "200")));
        // Scrapes (one at least before this one) are not API traffic: none is counted (they would carry no route).
        Assert.DoesNotContain(scrape.Of("http_server_request_duration_seconds_count"), s => !s.Labels.ContainsKey("http_route") && s.Labels["http_response_status_code"] == "200");
    }

    [Fact]
    public async Task Group_commit_batch_sizes_cover_every_write_and_flush_times_are_recorded_on_sqlite()
    {
        var scrape = await service.ScrapeAsync();
        if (service.Store.IsPostgres)
        {
            // PostgreSQL writes alone (no group commit): the batch series stay empty.
            Assert.Empty(scrape.Of("ketamine_outcomes_group_commit_batch_size_count"));
            return;
        }
        var batches = scrape.Single("ketamine_outcomes_group_commit_batch_size_count");
        var units = scrape.Single("ketamine_outcomes_group_commit_batch_size_sum");
        // Every acknowledged write was a unit of some batch (so were audit rows and the dispatcher's claims).
        Assert.True(units >= service.Writes, $"{units} units in batches for {service.Writes} writes");
        Assert.InRange(batches, 1, units);
        Assert.Equal(batches, scrape.Single("ketamine_outcomes_group_commit_batch_size_bucket", ("le", "+Inf")));
        var flushes = scrape.Single("ketamine_outcomes_group_commit_flush_duration_seconds_count");
        Assert.InRange(flushes, 1, batches);
        Assert.InRange(scrape.Single("ketamine_outcomes_group_commit_flush_duration_seconds_sum") / flushes, 1e-7, 5);
    }

    [Fact]
    public async Task Deferred_read_audit_rows_show_their_flush_lag_pending_rows_and_the_age_of_the_oldest_unflushed_one()
    {
        // The workload's nine reads by id, MRN and FHIR search (and the alert list) each handed one row over.
        PrometheusText scrape;
        var tries = 0;
        while ((scrape = await service.ScrapeAsync()).Of("ketamine_outcomes_audit_deferred_flush_lag_seconds_count").Sum(s => s.Value) < 9 && ++tries < 50)
            await Task.Delay(100);
        var written = scrape.Single("ketamine_outcomes_audit_deferred_flush_lag_seconds_count");
        Assert.True(written >= 9, $"{written} deferred rows written");
        Assert.Equal(written, scrape.Single("ketamine_outcomes_audit_deferred_flush_lag_seconds_bucket", ("le", "+Inf")));
        Assert.InRange(scrape.Single("ketamine_outcomes_audit_deferred_flush_lag_seconds_sum") / written, 1e-7, 5);
        Assert.InRange(scrape.Single("ketamine_outcomes_audit_deferred_pending"), 0, 10_000);
        Assert.InRange(scrape.Single("ketamine_outcomes_audit_deferred_oldest_unflushed_age_seconds"), 0, 5);
        Assert.InRange(scrape.Single("ketamine_outcomes_audit_deferred_flush_lag_max_seconds"), 0, 5);
        Assert.Equal(0, scrape.Single("ketamine_outcomes_audit_deferred_lost_total"));
        Assert.InRange(scrape.Single("ketamine_outcomes_audit_deferred_fell_back_total"), 0, written);
    }

    [Fact]
    public async Task Open_alerts_by_level_equal_the_clinician_queue_and_the_oldest_open_high_alert_has_a_plausible_age()
    {
        var scrape = await service.ScrapeAsync();
        foreach (var (level, expected) in new[] { ("low", 2), ("moderate", 1), ("high", 1) })
        {
            var queued = await service.QueueCountAsync(level);
            Assert.Equal(expected, queued);
            Assert.Equal(queued, scrape.Single("ketamine_outcomes_safety_alerts_open", ("level", level)));
        }
        var age = scrape.Single("ketamine_outcomes_safety_alerts_oldest_open_high_age_seconds");
        Assert.InRange(age, 0, (DateTimeOffset.UtcNow - service.WorkloadStarted).TotalSeconds + 1);
    }

    [Fact]
    public async Task Webhook_backlog_equals_the_pending_deliveries_and_their_oldest_age_is_plausible()
    {
        var pending = (await service.Admin.GetFromJsonAsync<JsonNode>("/api/v1/webhook-deliveries?status=pending&limit=500"))!["items"]!.AsArray();
        var scrape = await service.ScrapeAsync();
        Assert.Equal(5, pending.Count); // one per alert raised
        Assert.Equal(pending.Count, scrape.Single("ketamine_outcomes_webhooks_pending_deliveries"));
        var oldest = pending.Min(d => DateTimeOffset.Parse((string)d!["createdAt"]!, System.Globalization.CultureInfo.InvariantCulture))!;
        var age = scrape.Single("ketamine_outcomes_webhooks_oldest_pending_age_seconds");
        var expected = (DateTimeOffset.UtcNow - oldest).TotalSeconds;
        Assert.InRange(age, expected - 5, expected + 1);
    }

    [Fact]
    public async Task A_write_given_up_for_want_of_the_store_is_counted()
    {
        var before = (await service.ScrapeAsync()).Single("ketamine_outcomes_store_writes_gave_up_total");
        await using (var held = await service.Store.OpenAsync())
        {
            // The store's write lock, held as another process would (see FailClosedTests).
            await held.ExecuteAsync(service.Store.IsPostgres ? "BEGIN; LOCK TABLE audit_events IN EXCLUSIVE MODE" : "BEGIN IMMEDIATE");
            var refused = await service.Clinician.PostAsJsonAsync("/api/v1/patients",
                new { mrn = $"MRN-METRICS-{Guid.NewGuid():N}", siteId = "north", birthYear = 1980, sex = "female", diagnoses = new[] { "trd" }, researchConsent = true });
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            await held.ExecuteAsync("ROLLBACK");
        }
        var after = (await service.ScrapeAsync()).Single("ketamine_outcomes_store_writes_gave_up_total");
        Assert.True(after >= before + 1, $"writes given up: {before} before, {after} after a 503");
    }

    [Fact]
    public async Task Failed_WAL_checkpoints_are_exported_and_none_failed_after_the_workload() =>
        // Exported from the start (a rate over it is defined before a first failure); a failure itself is counted in
        // the store's own tests (WalCheckpointFailureTests), where the checkpoint connection can be made to fail.
        Assert.Equal(0, (await service.ScrapeAsync()).Single("ketamine_outcomes_sqlite_checkpoint_failures_total"));

    [Fact]
    public async Task The_scrape_names_no_patient_id_mrn_or_raw_path_only_route_templates()
    {
        var scrape = await service.ScrapeAsync();
        foreach (var value in service.PatientIds.Concat(service.Mrns))
            Assert.DoesNotContain(value, scrape.Text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("MRN", scrape.Text, StringComparison.Ordinal);
        var routes = scrape.Samples.Where(s => s.Labels.ContainsKey("http_route")).Select(s => s.Labels["http_route"]).Distinct().ToArray();
        Assert.NotEmpty(routes);
        // A template's segments are literals or {parameters}: never an id, a number or a query.
        Assert.All(routes, r => Assert.Matches(RouteTemplate(), r));
        // No label holds an id of any kind (the one exception: the process's own service.instance.id in target_info).
        Assert.All(scrape.Samples.Where(s => s.Name != "target_info").SelectMany(s => s.Labels.Values), v => Assert.DoesNotMatch(GuidLike(), v));
    }

    [Fact]
    public async Task Metrics_are_served_only_on_their_own_loopback_listener_which_serves_nothing_else()
    {
        Assert.Equal(IPAddress.Loopback, IPAddress.Parse(service.ScrapeUrl.Host));
        Assert.NotEqual(service.ApiBase.Port, service.ScrapeUrl.Port);
        // The API's port has no /metrics, with or without the admin key.
        var onApi = await service.Admin.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.NotFound, onApi.StatusCode);
        Assert.DoesNotContain("http_server_request_duration", await onApi.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // The metrics listener answers GET /metrics and nothing else: no API, no health, no other method.
        var metricsRoot = new Uri(service.ScrapeUrl, "/");
        using var withKey = new HttpClient { BaseAddress = metricsRoot };
        withKey.DefaultRequestHeaders.Add("X-Api-Key", MetricsService.AdminKey);
        foreach (var path in new[] { "/api/v1/patients?siteId=north", "/api/v1/api-keys", "/health/live", "/openapi/v1.json", "/", "/metrics/x" })
            Assert.Equal(HttpStatusCode.NotFound, (await withKey.GetAsync(path)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await withKey.PostAsync("/metrics", null)).StatusCode);
        // Bound to loopback only: the machine's other addresses refuse the connection.
        foreach (var address in OtherAddresses())
        {
            using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            var refused = await Assert.ThrowsAnyAsync<SocketException>(() => socket.ConnectAsync(address, service.ScrapeUrl.Port).WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
        }
    }

    private static IEnumerable<IPAddress> OtherAddresses() =>
        NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .Where(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a));

    [GeneratedRegex(@"^(/([A-Za-z][A-Za-z0-9\-_.]*|\{[A-Za-z]+(:[a-z]+)?\}|\$[a-z\-]+)?)+$")]
    private static partial Regex RouteTemplate();

    [GeneratedRegex("[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}")]
    private static partial Regex GuidLike();
}
