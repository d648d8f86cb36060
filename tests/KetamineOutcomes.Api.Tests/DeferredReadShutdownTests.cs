using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Dapper;
using KetamineOutcomes.Api.Audit;
using KetamineOutcomes.Data.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// Issue 24: strict is the default, and in deferred mode a graceful stop writes every pending read audit row before
/// the store closes — even rows the store could not take yet when the stop began.
/// </summary>
public sealed class DeferredReadShutdownTests : IDisposable
{
    private const string AdminKey = "deferred-shutdown-admin-key-0123456789abcdef";
    private readonly TestStore _store = TestStore.Create();

    /// <param name="readDurability">Null: the setting is absent.</param>
    private OutcomesApp App(string? readDurability)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Auth:BootstrapAdminKey"] = AdminKey,
            ["RateLimiting:PermitsPerSecond"] = "1000000",
            ["RateLimiting:Burst"] = "10000000",
            // Far beyond the time the reads below take under load: none of their rows counts as stalled.
            ["Storage:WriteTimeout"] = "00:00:10",
        };
        if (readDurability is not null) settings["Audit:ReadDurability"] = readDurability;
        return new OutcomesApp(settings, _store);
    }

    /// <summary>
    /// The built service stopped as systemd stops it (SIGTERM), not a test host: <c>WebApplicationFactory</c>'s dispose
    /// can return while <c>Program</c>'s own <c>app.Run()</c> is still disposing the host, so only the process shows
    /// what a real stop does.
    /// </summary>
    [Fact]
    public async Task Reads_answered_just_before_a_graceful_stop_are_all_in_the_audit_table_afterwards()
    {
        const int reads = 40;
        var workDir = Directory.CreateTempSubdirectory("ko-deferred-stop-").FullName;
        try
        {
            using var service = new BuiltService(workDir, new Dictionary<string, string>
            {
                ["Auth__BootstrapAdminKey"] = AdminKey,
                ["Storage__Provider"] = _store.Provider,
                ["ConnectionStrings__Outcomes"] = _store.ConnectionString,
                ["Audit__ReadDurability"] = "deferred",
                // Far beyond the time the reads below take under load: none of their rows counts as stalled.
                ["Storage__WriteTimeout"] = "00:00:10",
                ["RateLimiting__PermitsPerSecond"] = "100000",
                ["RateLimiting__Burst"] = "100000",
            });
            var api = await service.ListeningAsync();
            using var admin = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(60) };
            admin.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
            var key = await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "shutdown clinician", role = "clinician" });
            using var clinician = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(60) };
            clinician.DefaultRequestHeaders.Add("X-Api-Key", (string)(await key.Content.ReadFromJsonAsync<JsonNode>())!["key"]!);
            var created = await clinician.PostAsJsonAsync("/api/v1/patients",
                new { mrn = $"MRN-{Guid.NewGuid():N}", siteId = "north", birthYear = 1980, sex = "female", diagnoses = new[] { "trd" }, researchConsent = true });
            var patient = (string)(await created.Content.ReadFromJsonAsync<JsonNode>())!["id"]!;

            // The store's write lock is held while the reads are answered and as the stop begins: their rows are all
            // still pending then, and only the stop's drain can write them, once the lock goes.
            var held = await _store.OpenAsync();
            await held.ExecuteAsync(_store.IsPostgres ? "BEGIN; LOCK TABLE audit_events IN EXCLUSIVE MODE" : "BEGIN IMMEDIATE");
            try
            {
                var answers = await Task.WhenAll(Enumerable.Range(0, reads).Select(_ => clinician.GetAsync($"/api/v1/patients/{patient}")));
                Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
                await using (var c = await _store.OpenAsync())
                    Assert.Equal(0, await c.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM audit_events WHERE action = 'GetPatient'"));

                await service.TerminateAsync();
                await Task.Delay(500);
                Assert.False(service.HasExited, "the stop waits for the pending rows");
            }
            finally
            {
                await held.ExecuteAsync("ROLLBACK");
                await held.DisposeAsync();
            }
            Assert.Equal(0, await service.ExitCodeAsync());

            await using var after = await _store.OpenAsync();
            Assert.Equal(reads, await after.ExecuteScalarAsync<long>(
                "SELECT COUNT(*) FROM audit_events WHERE action = 'GetPatient' AND patient_id = @p AND status_code = 200", new { p = Guid.Parse(patient) }));
        }
        finally
        {
            Directory.Delete(workDir, recursive: true);
        }
    }

    [Fact]
    public void Without_the_setting_reads_are_strict_and_the_store_takes_no_deferred_rows()
    {
        var options = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Audit:AnonymousRefusalRowsPerMinute"] = "5" })
            .Build().GetSection(AuditOptions.SectionName).Get<AuditOptions>()!;
        Assert.Equal("strict", options.ReadDurability);
        Assert.False(options.DefersReads);

        using var strict = App(null);
        Assert.Equal("strict", strict.Services.GetRequiredService<IOptions<AuditOptions>>().Value.ReadDurability);
        Assert.False(strict.Services.GetRequiredService<Database>().DefersAppends);
        Assert.False(strict.Services.GetRequiredService<Database>().TryAppendDeferred(new AppendStatement("SELECT 1"), [[]], "test"));
    }

    [Fact]
    public void With_deferred_set_the_store_defers_read_audit_rows()
    {
        using var deferred = App("deferred");
        Assert.True(deferred.Services.GetRequiredService<IOptions<AuditOptions>>().Value.DefersReads);
        Assert.True(deferred.Services.GetRequiredService<Database>().DefersAppends);
    }

    public void Dispose() => _store.Dispose();
}
