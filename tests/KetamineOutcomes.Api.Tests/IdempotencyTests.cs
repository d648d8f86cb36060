using System.Net;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;
using Microsoft.Extensions.DependencyInjection;

namespace KetamineOutcomes.Api.Tests;

public class IdempotencyTests : ApiTest
{
    private static object Body(int total) => new { instrument = "phq9", completedAt = Iso(Day0), items = Phq9Items(total, item9: 2) };

    [Fact]
    public async Task Same_key_and_body_replays_the_first_response_and_stores_one_record()
    {
        var patient = await CreatePatientAsync();
        var url = $"/api/v1/patients/{patient}/questionnaires";
        var (s1, first, r1) = await PostAsync(url, Body(12), "key-1");
        var (s2, second, r2) = await PostAsync(url, Body(12), "key-1");

        Assert.Equal(HttpStatusCode.Created, s1);
        Assert.Equal(HttpStatusCode.Created, s2);
        Assert.Equal(first!.ToJsonString(), second!.ToJsonString());
        Assert.Equal(r1.Headers.Location, r2.Headers.Location);
        Assert.True(r2.Headers.Contains("Idempotent-Replayed"));
        Assert.Single((await GetOkAsync(url))["items"]!.AsArray());
        // One alert, not two: the replay did not re-run the write.
        Assert.Single((await GetOkAsync($"/api/v1/patients/{patient}/trends"))["openAlerts"]!.AsArray());
    }

    [Fact]
    public async Task Same_key_with_a_different_body_answers_422_and_stores_nothing_new()
    {
        var patient = await CreatePatientAsync();
        var url = $"/api/v1/patients/{patient}/questionnaires";
        await PostAsync(url, Body(12), "key-2");
        var (status, problem, _) = await PostAsync(url, Body(13), "key-2");
        Assert.Equal((HttpStatusCode)422, status);
        Assert.Equal(422, (int)problem!["status"]!);
        Assert.Single((await GetOkAsync(url))["items"]!.AsArray());
    }

    [Fact]
    public async Task Same_key_while_the_first_request_is_in_flight_answers_409()
    {
        var patient = await CreatePatientAsync();
        var url = $"/api/v1/patients/{patient}/questionnaires";
        // A completed request gives its row the exact hash of this body; turning that row back into an in-flight
        // reservation under another key reproduces a first request that is still being processed.
        var db = App.Services.GetRequiredService<Database>();
        Assert.Equal(HttpStatusCode.Created, (await PostAsync(url, Body(12), "probe")).Status);
        await db.WriteAsync((c, tx, ct) => Dapper.SqlMapper.ExecuteAsync(c, new Dapper.CommandDefinition(
            "UPDATE idempotency_requests SET state = 'in-flight', idempotency_key = 'key-3', created_at = @now WHERE idempotency_key = 'probe'",
            new { now = DbTime.ToDb(DateTimeOffset.UtcNow) }, tx, cancellationToken: ct)), default);

        var (status, problem, _) = await PostAsync(url, Body(12), "key-3");
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal(409, (int)problem!["status"]!);
    }

    [Fact]
    public async Task A_duplicate_sent_while_the_first_is_still_being_written_answers_409_and_the_first_still_lands()
    {
        var patient = await CreatePatientAsync();
        var url = $"/api/v1/patients/{patient}/questionnaires";
        // Another connection holds the store's write lock, so the first request cannot finish until it is released.
        await using var blocker = await App.OpenConnectionAsync();
        var tx = await blocker.BeginTransactionAsync();
        if (blocker is Microsoft.Data.Sqlite.SqliteConnection)
            await Dapper.SqlMapper.ExecuteAsync(blocker, "UPDATE patients SET updated_at = updated_at WHERE id = @patient", new { patient }, tx); // takes the SQLite write lock
        else
            await Dapper.SqlMapper.ExecuteAsync(blocker, "LOCK TABLE questionnaires IN EXCLUSIVE MODE", transaction: tx);

        var first = PostAsync(url, Body(12), "key-held");
        await Task.Delay(300); // the first is now waiting for the lock
        Assert.False(first.IsCompleted);
        // The duplicate is answered once its own audit row is stored, which also waits for the lock: release it first.
        var duplicate = PostAsync(url, Body(12), "key-held");
        await Task.Delay(300);
        await tx.RollbackAsync();

        var (status, problem, _) = await duplicate;
        Assert.Equal(HttpStatusCode.Conflict, status);
        Assert.Equal(409, (int)problem!["status"]!);
        Assert.Equal(HttpStatusCode.Created, (await first).Status);
        var (replayStatus, _, replay) = await PostAsync(url, Body(12), "key-held");
        Assert.Equal(HttpStatusCode.Created, replayStatus);
        Assert.True(replay.Headers.Contains("Idempotent-Replayed"));
        Assert.Single((await GetOkAsync(url))["items"]!.AsArray());
    }

    [Fact]
    public async Task Concurrent_duplicates_with_one_key_store_one_record_and_never_answer_with_a_second()
    {
        var patient = await CreatePatientAsync();
        var url = $"/api/v1/patients/{patient}/questionnaires";
        var answers = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => PostAsync(url, Body(12), "key-race")));

        // A duplicate that overlaps the first is told 409 (in flight); one that comes after it replays. Never a second record.
        Assert.All(answers, a => Assert.Contains(a.Status, new[] { HttpStatusCode.Created, HttpStatusCode.Conflict }));
        var created = answers.Where(a => a.Status == HttpStatusCode.Created).Select(a => a.Body!["id"]!.ToString()).Distinct().ToList();
        Assert.Single(created);
        Assert.Single((await GetOkAsync(url))["items"]!.AsArray());
        Assert.Single((await GetOkAsync($"/api/v1/patients/{patient}/trends"))["openAlerts"]!.AsArray());
    }

    [Fact]
    public async Task Failed_request_releases_its_key_for_a_retry()
    {
        var missing = Guid.NewGuid();
        var (status, _, _) = await PostAsync($"/api/v1/patients/{missing}/infusions", new { administeredAt = Iso(Day0), route = "iv", drug = "ketamine" }, "key-4");
        Assert.Equal(HttpStatusCode.NotFound, status);
        var db = App.Services.GetRequiredService<Database>();
        var (outcome, _) = await IdempotencyStore.ReserveAsync(db, "", "key-4", "any", DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1), default);
        Assert.Equal(ReservationOutcome.Reserved, outcome);
    }

    [Fact]
    public async Task Keys_apply_to_every_creating_post()
    {
        var (s1, p1, _) = await PostAsync("/api/v1/patients", new { mrn = "IDEM", researchConsent = true }, "p-key");
        var (s2, p2, _) = await PostAsync("/api/v1/patients", new { mrn = "IDEM", researchConsent = true }, "p-key");
        Assert.Equal(HttpStatusCode.Created, s1);
        Assert.Equal(HttpStatusCode.Created, s2); // a replay, not a 409 duplicate MRN
        Assert.Equal((string)p1!["id"]!, (string)p2!["id"]!);

        var patient = (string)p1["id"]!;
        var inf = new { administeredAt = Iso(Day0), route = "iv", drug = "ketamine" };
        var i1 = await CreatedAsync($"/api/v1/patients/{patient}/infusions", inf, "i-key");
        var i2 = await CreatedAsync($"/api/v1/patients/{patient}/infusions", inf, "i-key");
        Assert.Equal((string)i1["id"]!, (string)i2["id"]!);
        var chk = new { completedAt = Iso(Day0), wishToBeDead = true, suicidalThoughts = false, suicidalBehavior = "none" };
        var c1 = await CreatedAsync($"/api/v1/patients/{patient}/suicidality-checkins", chk, "c-key");
        var c2 = await CreatedAsync($"/api/v1/patients/{patient}/suicidality-checkins", chk, "c-key");
        Assert.Equal((string)c1["id"]!, (string)c2["id"]!);
        Assert.Single((await GetOkAsync($"/api/v1/patients/{patient}/infusions"))["items"]!.AsArray());
    }

    [Fact]
    public async Task Whitespace_and_key_order_do_not_make_a_different_body()
    {
        var patient = await CreatePatientAsync();
        var url = $"/api/v1/patients/{patient}/questionnaires";
        var (s1, _, _) = await PostAsync(url, """{"instrument":"phq9","completedAt":"2026-03-02T09:00:00Z","items":[1,1,1,1,1,1,1,1,0]}""", "ws");
        var (s2, _, r2) = await PostAsync(url, """{ "items": [1,1,1,1,1,1,1,1,0], "completedAt": "2026-03-02T09:00:00Z", "instrument": "phq9" }""", "ws");
        Assert.Equal(HttpStatusCode.Created, s1);
        Assert.Equal(HttpStatusCode.Created, s2);
        Assert.True(r2.Headers.Contains("Idempotent-Replayed"));
    }

    [Fact]
    public async Task Malformed_key_is_refused_naming_the_header()
    {
        var patient = await CreatePatientAsync();
        var (status, problem, _) = await PostAsync($"/api/v1/patients/{patient}/questionnaires", Body(3), new string('k', 300));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["Idempotency-Key"], ErrorKeys(problem));
    }
}
