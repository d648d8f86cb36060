using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;
using KetamineOutcomes.Api.Plans;
using KetamineOutcomes.Api.Webhooks;
using KetamineOutcomes.Core.Plans;
using Microsoft.Extensions.DependencyInjection;

namespace KetamineOutcomes.Api.Tests.Plans;

/// <summary>
/// SPEC v2, Measurement plans: <c>assessment.due</c> once per occurrence when it becomes due, through the outbox
/// (signed, retried, at-least-once), with an event id stable per occurrence. Two real receivers on 127.0.0.1; the
/// service's clock is a <see cref="TestClock"/> moved by the test, so days pass without waiting. Passes are run through
/// the scheduler itself (<see cref="AssessmentDueScheduler.PassAsync"/>) where a test must know one has finished;
/// the restart and two-instance tests rely on the hosted loop alone.
/// </summary>
public sealed class AssessmentDueWebhookTests : IAsyncLifetime
{
    private const string AdminKey = "assessment-due-admin-key-0123456789abcdef";
    private static readonly DateTimeOffset T0 = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly string[] Enrolment = ["enrolment-cssrs", "enrolment-gad7", "enrolment-phq9"];

    private readonly WebhookReceiver _ehr = new(), _portal = new();
    private readonly TestClock _clock = new(T0);

    /// <param name="interval">The hosted loop's interval; an hour: only the pass at start, the test runs the others.</param>
    private Dictionary<string, string?> Settings(string interval = "01:00:00", bool enabled = true)
    {
        var s = WebhookDeliveryTests.Settings(_ehr.Url);
        s["Webhooks:Endpoints:1:Name"] = "portal";
        s["Webhooks:Endpoints:1:Url"] = _portal.Url;
        s["Webhooks:Endpoints:1:Secret"] = WebhookDeliveryTests.Secret;
        s["Scheduler:Enabled"] = enabled ? "true" : "false";
        s["Scheduler:Interval"] = interval;
        s["Auth:BootstrapAdminKey"] = AdminKey;
        s["RateLimiting:PermitsPerSecond"] = "100000";
        s["RateLimiting:Burst"] = "1000000";
        return s;
    }

    public async Task InitializeAsync()
    {
        await _ehr.StartAsync();
        await _portal.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _ehr.DisposeAsync();
        await _portal.DisposeAsync();
    }

    private static async Task<HttpClient> ClinicianAsync(OutcomesApp app)
    {
        using var admin = AdminOf(app);
        var created = await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "c", role = "clinician" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", (string)(await created.Content.ReadFromJsonAsync<JsonNode>())!["key"]!);
        return client;
    }

    private static HttpClient AdminOf(OutcomesApp app)
    {
        var admin = app.CreateClient();
        admin.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        return admin;
    }

    private static async Task<string> PatientAsync(HttpClient client, string? siteId = "north", string? mrn = null)
    {
        var response = await client.PostAsJsonAsync("/api/v1/patients", new { mrn = mrn ?? $"MRN-{Guid.NewGuid():N}", siteId, researchConsent = true });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (string)(await response.Content.ReadFromJsonAsync<JsonNode>())!["id"]!;
    }

    private static async Task<string> InfusionAsync(HttpClient client, string patient, DateTimeOffset at)
    {
        var response = await client.PostAsJsonAsync($"/api/v1/patients/{patient}/infusions", new { administeredAt = at, route = "iv", drug = "ketamine" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (string)(await response.Content.ReadFromJsonAsync<JsonNode>())!["id"]!;
    }

    private static Task<int> PassAsync(OutcomesApp app) => app.Services.GetRequiredService<AssessmentDueScheduler>().PassAsync(CancellationToken.None);

    /// <summary>The assessment.due events in the outbox, as (ruleId, dueAt, eventId), by rule then dueAt.</summary>
    private static async Task<(string Rule, DateTimeOffset DueAt, Guid Id)[]> DueEventsAsync(TestStore store, string patient)
    {
        await using var c = await store.OpenAsync();
        var payloads = await c.QueryAsync<string>("SELECT payload FROM outbox_events WHERE type = 'assessment.due'");
        return [.. payloads.Select(p => JsonNode.Parse(p)!).Where(e => (string)e["patientId"]! == patient)
            .Select(e => ((string)e["ruleId"]!, DateTimeOffset.Parse((string)e["dueAt"]!, System.Globalization.CultureInfo.InvariantCulture), Guid.Parse((string)e["eventId"]!)))
            .OrderBy(e => e.Item1, StringComparer.Ordinal).ThenBy(e => e.Item2)];
    }

    /// <summary>Waits until every delivery is delivered and there are <paramref name="count"/> of them.</summary>
    private static async Task AllDeliveredAsync(OutcomesApp app, int count)
    {
        using var admin = AdminOf(app);
        await Eventually.HoldsAsync(async () =>
        {
            var items = (await admin.GetFromJsonAsync<JsonNode>("/api/v1/webhook-deliveries?limit=500"))!["items"]!.AsArray();
            return items.Count == count && items.All(d => (string)d!["status"]! == "delivered");
        }, $"{count} deliveries, all delivered", seconds: 30);
    }

    /// <summary>Each receiver got each event exactly once; returns the events (parsed bodies) of one receiver.</summary>
    private JsonNode[] ExactlyOncePerEndpoint(int events)
    {
        foreach (var receiver in new[] { _ehr, _portal })
        {
            var perEvent = receiver.Requests.Where(r => r.Headers["X-Event-Type"] == AssessmentDueOutbox.EventType).GroupBy(r => r.Headers["X-Event-Id"]).ToArray();
            Assert.Equal(events, perEvent.Length);
            Assert.All(perEvent, g => Assert.Single(g));
        }
        return [.. _ehr.Requests.DistinctBy(r => r.Headers["X-Event-Id"]).Select(r => JsonNode.Parse(r.Text)!)];
    }

    [Fact]
    public async Task Each_occurrence_reaches_each_endpoint_exactly_once_across_a_restart_on_the_same_store()
    {
        using var store = TestStore.Create();
        string patient;
        using (var first = new OutcomesApp(Settings(interval: "00:00:00.050"), store, _clock))
        {
            using var client = await ClinicianAsync(first);
            patient = await PatientAsync(client);
            await InfusionAsync(client, patient, T0);
            // Registration makes the three enrolment occurrences due at once; the after-infusion one falls 24 h later.
            await AllDeliveredAsync(first, 3 * 2);
        }

        _clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1));
        using (var second = new OutcomesApp(Settings(interval: "00:00:00.050"), store, _clock))
        {
            await AllDeliveredAsync(second, 4 * 2);
            // Passes keep running over the same still-open enrolment windows: nothing more is written.
            await Task.Delay(300);
            Assert.Equal(0, await PassAsync(second));
            await AllDeliveredAsync(second, 4 * 2);
        }

        var events = ExactlyOncePerEndpoint(4);
        Assert.Equal(["after-infusion-phq9", .. Enrolment], events.Select(e => (string)e["ruleId"]!).Order(StringComparer.Ordinal));
        Assert.All(events, e => Assert.Equal(patient, (string)e["patientId"]!));
    }

    [PostgresFact]
    public async Task Two_instances_on_one_postgresql_database_send_each_occurrence_once_per_endpoint()
    {
        using var store = TestStore.Create();
        Assert.True(store.IsPostgres);
        using var one = new OutcomesApp(Settings(interval: "00:00:00.020"), store, _clock);
        using var two = new OutcomesApp(Settings(interval: "00:00:00.020"), store, _clock);
        using var c1 = await ClinicianAsync(one);
        using var c2 = await ClinicianAsync(two);
        var patients = await Task.WhenAll(Enumerable.Range(0, 12).Select(async i =>
        {
            var client = i % 2 == 0 ? c1 : c2;
            var patient = await PatientAsync(client, siteId: i % 3 == 0 ? null : "north");
            await InfusionAsync(client, patient, T0);
            return patient;
        }));
        _clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromMinutes(1));
        // Besides both hosted loops, passes of both instances at once, racing on the same event ids.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => PassAsync(i % 2 == 0 ? one : two)));

        await AllDeliveredAsync(one, patients.Length * 4 * 2);
        var events = ExactlyOncePerEndpoint(patients.Length * 4);
        Assert.Equal(patients.Order(StringComparer.Ordinal), events.Select(e => (string)e["patientId"]!).Distinct().Order(StringComparer.Ordinal));
        await using var c = await store.OpenAsync();
        Assert.Equal(patients.Length * 4, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM outbox_events WHERE type = 'assessment.due'"));
    }

    [Fact]
    public async Task The_event_names_patient_site_rule_instrument_and_window_signed_and_under_its_occurrence_id_without_the_mrn()
    {
        using var app = new OutcomesApp(Settings(), clock: _clock);
        using var client = await ClinicianAsync(app);
        var inSite = await PatientAsync(client, mrn: "MRN-NOT-IN-EVENTS");
        var noSite = await PatientAsync(client, siteId: null);
        await PassAsync(app);

        await AllDeliveredAsync(app, 2 * 3 * 2);
        var received = _ehr.Requests.ToArray();
        Assert.Equal(6, received.Length);
        foreach (var r in received)
        {
            Assert.True(WebhookSignature.Verify(WebhookDeliveryTests.Secret, r.Body, r.Headers["X-Signature"]), "signature verifies over the raw body");
            Assert.DoesNotContain("MRN-NOT-IN-EVENTS", r.Text, StringComparison.Ordinal);
            Assert.Equal("assessment.due", r.Headers["X-Event-Type"]);
            var body = JsonNode.Parse(r.Text)!;
            Assert.Equal(["dueAt", "eventId", "instrument", "patientId", "ruleId", "siteId", "type", "windowEnd"], body.AsObject().Select(p => p.Key).Order(StringComparer.Ordinal));
            Assert.Equal("assessment.due", (string)body["type"]!);
            var dueAt = DateTimeOffset.Parse((string)body["dueAt"]!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(T0, dueAt); // registration
            Assert.Equal(T0.AddDays(7), DateTimeOffset.Parse((string)body["windowEnd"]!, System.Globalization.CultureInfo.InvariantCulture));
            var (patient, rule) = ((string)body["patientId"]!, (string)body["ruleId"]!);
            Assert.Equal(rule["enrolment-".Length..], (string)body["instrument"]!);
            Assert.Equal(patient == inSite ? "north" : null, (string?)body["siteId"]);
            var id = OccurrenceEventId.For(Guid.Parse(patient), rule, dueAt).ToString();
            Assert.Equal((id, id), ((string)body["eventId"]!, r.Headers["X-Event-Id"]));
        }
        Assert.Equal(new[] { inSite, noSite }.Order(StringComparer.Ordinal), received.Select(r => (string)JsonNode.Parse(r.Text)!["patientId"]!).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task An_occurrence_completed_by_the_time_it_becomes_due_sends_nothing()
    {
        using var app = new OutcomesApp(Settings(), clock: _clock);
        using var client = await ClinicianAsync(app);
        var patient = await PatientAsync(client);
        await InfusionAsync(client, patient, T0);
        await PassAsync(app);
        Assert.Equal(Enrolment, (await DueEventsAsync(app.Store, patient)).Select(e => e.Rule));

        // The portal sends the 24 h PHQ-9 a minute early by its own clock: completed exactly at dueAt.
        _clock.Advance(TimeSpan.FromHours(24) - TimeSpan.FromMinutes(1));
        var phq9 = await client.PostAsJsonAsync($"/api/v1/patients/{patient}/questionnaires",
            new { instrument = "phq9", completedAt = T0.AddHours(24), items = new[] { 1, 1, 1, 1, 1, 1, 1, 1, 0 } });
        Assert.Equal(HttpStatusCode.Created, phq9.StatusCode);
        foreach (var step in new[] { TimeSpan.Zero, TimeSpan.FromMinutes(1), TimeSpan.FromHours(12), TimeSpan.FromDays(2) })
        {
            _clock.Advance(step);
            await PassAsync(app);
        }

        var due = (await client.GetFromJsonAsync<JsonNode>($"/api/v1/patients/{patient}/due?at={Uri.EscapeDataString(T0.AddHours(25).ToString("O"))}"))!;
        Assert.Contains(due["items"]!.AsArray(), i => (string)i!["ruleId"]! == "after-infusion-phq9" && (string)i["status"]! == "completed");
        Assert.Equal(Enrolment, (await DueEventsAsync(app.Store, patient)).Select(e => e.Rule));
    }

    [Fact]
    public async Task Occurrences_whose_window_closed_while_the_service_was_down_are_not_sent()
    {
        using var store = TestStore.Create();
        string patient;
        using (var before = new OutcomesApp(Settings(enabled: false), store, _clock))
        {
            using var client = await ClinicianAsync(before);
            patient = await PatientAsync(client);
            await InfusionAsync(client, patient, T0);
        }

        // Down for 8 days: the enrolment windows (7 days) and the 24 h PHQ-9's (day 1–2) closed meanwhile.
        _clock.Advance(TimeSpan.FromDays(8));
        using var after = new OutcomesApp(Settings(), store, _clock);
        await PassAsync(after);
        Assert.Empty(await DueEventsAsync(store, patient));

        // The scheduler does run: 14 days after the infusion the interval PHQ-9 and C-SSRS become due and are sent.
        _clock.Advance(TimeSpan.FromDays(6));
        await PassAsync(after);
        Assert.Equal([("interval-cssrs", T0.AddDays(14)), ("interval-phq9", T0.AddDays(14))],
            (await DueEventsAsync(store, patient)).Select(e => (e.Rule, e.DueAt)));
        await AllDeliveredAsync(after, 2 * 2);
        ExactlyOncePerEndpoint(2);
    }

    [Fact]
    public async Task A_back_dated_infusion_makes_a_new_occurrence_with_a_new_event_id()
    {
        using var app = new OutcomesApp(Settings(), clock: _clock);
        using var client = await ClinicianAsync(app);
        var patient = await PatientAsync(client);
        var infusion = await InfusionAsync(client, patient, T0);
        _clock.Advance(TimeSpan.FromHours(25));
        await PassAsync(app);

        // The infusion was given 3 hours earlier than recorded: its 24 h PHQ-9 is due at T0+21h, still open now.
        using var amend = new HttpRequestMessage(HttpMethod.Put, $"/api/v1/patients/{patient}/infusions/{infusion}")
        {
            Content = JsonContent.Create(new { administeredAt = T0.AddHours(-3), route = "iv", drug = "ketamine", reason = "Entered with the wrong time" }),
        };
        amend.Headers.TryAddWithoutValidation("If-Match", "W/\"1\"");
        var amended = await client.SendAsync(amend);
        Assert.True(amended.StatusCode == HttpStatusCode.OK, await amended.Content.ReadAsStringAsync());
        await PassAsync(app);

        var afterInfusion = (await DueEventsAsync(app.Store, patient)).Where(e => e.Rule == "after-infusion-phq9").ToArray();
        Assert.Equal([T0.AddHours(21), T0.AddHours(24)], afterInfusion.Select(e => e.DueAt));
        Assert.Equal(afterInfusion.Select(e => OccurrenceEventId.For(Guid.Parse(patient), e.Rule, e.DueAt)), afterInfusion.Select(e => e.Id));
        Assert.NotEqual(afterInfusion[0].Id, afterInfusion[1].Id);
        await AllDeliveredAsync(app, (3 + 2) * 2);
        ExactlyOncePerEndpoint(5);
    }
}
