using System.Collections.Concurrent;
using System.Data.Common;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using KetamineOutcomes.Api.Corrections;
using KetamineOutcomes.Api.Errors;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Api.Security;
using KetamineOutcomes.Core;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;
using Microsoft.Extensions.Options;

namespace KetamineOutcomes.Api.Idempotency;

/// <summary>A record created by a write, with where it can be read back.</summary>
internal sealed record CreatedRecord<T>(string Location, T Body);

/// <summary>
/// Runs a creating write (or a correction: <see cref="RunCorrectionAsync{T}"/>) under the SPEC's Idempotency-Key rules:
/// same key + same body replays the first response; same key + different body → 422; while the first is in flight → 409.
/// Keys are scoped to the caller's API key.
/// </summary>
internal sealed class IdempotentCreate(Database db, TimeProvider clock, IOptions<IdempotencyOptions> options, IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> json)
{
    public const string HeaderName = "Idempotency-Key";

    // Keys whose first request this process is still writing (group-commit path only).
    private readonly ConcurrentDictionary<(string Scope, string Key), byte> _inFlight = new();
    public const string ReplayedHeader = "Idempotent-Replayed";

    public Task<IResult> RunAsync<T>(
        HttpContext http, object request, Func<DbConnection, DbTransaction, CancellationToken, Task<CreatedRecord<T>>> write, CancellationToken ct,
        Func<T, T>? redactForReplay = null) =>
        RunRawAsync(http, JsonSerializer.Serialize(request, request.GetType(), json.Value.SerializerOptions), async (c, tx, t) =>
        {
            var result = await write(c, tx, t).ConfigureAwait(false);
            // A replay must not hand out secrets a second time (an API key is shown once), nor store them here.
            var body = Serialize(result.Body);
            return new RawCreated(result.Location, body, redactForReplay is null ? body : Serialize(redactForReplay(result.Body)));
        }, "application/json; charset=utf-8", ct);

    /// <summary>
    /// A correction (SPEC v2, Corrections: entered-in-error) under the same rules: answers 200 with the record and its
    /// ETag (<paramref name="write"/> returns the new version), and a replay answers the same, ETag included.
    /// </summary>
    public Task<IResult> RunCorrectionAsync<T>(
        HttpContext http, object request, Func<DbConnection, DbTransaction, CancellationToken, Task<(T Body, int Version)>> write, CancellationToken ct) =>
        RunRawAsync(http, JsonSerializer.Serialize(request, request.GetType(), json.Value.SerializerOptions), async (c, tx, t) =>
        {
            var (result, version) = await write(c, tx, t).ConfigureAwait(false);
            var body = Serialize(result);
            return new RawCreated(null, body, body, StatusCodes.Status200OK, Corrections.Preconditions.ETagOf(version));
        }, "application/json; charset=utf-8", ct);

    private string Serialize<T>(T body) => JsonSerializer.Serialize(body, json.Value.SerializerOptions);

    /// <summary>
    /// A written record already serialised: what to answer now, and what a replay answers; 201 with its Location for a
    /// creation, 200 with its ETag for a correction.
    /// </summary>
    internal sealed record RawCreated(string? Location, string Body, string ReplayBody, int Status = StatusCodes.Status201Created, string? ETag = null);

    /// <summary>
    /// The rules on pre-serialised bodies, for any media type (the FHIR endpoints answer application/fhir+json).
    /// <paramref name="canonicalRequest"/> is the parsed request re-serialised, so formatting does not make a new body.
    /// </summary>
    public Task<IResult> RunRawAsync(
        HttpContext http, string canonicalRequest, Func<DbConnection, DbTransaction, CancellationToken, Task<RawCreated>> raw, string contentType, CancellationToken ct) =>
        RunRawAsync(http, Encoding.UTF8.GetBytes(canonicalRequest), raw, contentType, ct);

    /// <summary>
    /// As above, with the request's canonical form as bytes: the UTF-8 of a re-serialised request, or a digest of the body
    /// such as <see cref="CanonicalJsonHash"/> (the FHIR create), which formatting does not change either.
    /// </summary>
    public async Task<IResult> RunRawAsync(
        HttpContext http, byte[] canonicalRequest, Func<DbConnection, DbTransaction, CancellationToken, Task<RawCreated>> raw, string contentType, CancellationToken ct)
    {
        var write = Audited(http, raw);
        var sent = http.Request.Headers[HeaderName];
        // Two keys (or one empty) say nothing certain about which request this repeats: refuse rather than pick.
        if (sent.Count > 1 || (sent.Count == 1 && string.IsNullOrEmpty(sent[0])))
            throw ClinicalValidationException.For(HeaderName, "Send one Idempotency-Key header with 1–255 visible ASCII characters, or none.");
        var key = sent.ToString();
        if (string.IsNullOrEmpty(key))
        {
            var created = await db.WriteAsync(write, ct).ConfigureAwait(false);
            return Answer(http, created, contentType);
        }
        if (key.Length > 255 || key.Any(ch => ch is < '!' or > '~'))
            throw ClinicalValidationException.For(HeaderName, "Must be 1–255 visible ASCII characters.");

        var scope = CallerScope(http.User);
        var hash = RequestHash(http, canonicalRequest);
        var lease = options.Value.InFlightLease;
        if (db.GroupCommit)
        {
            // One writer: reserve, write and store the response as one unit; a failed write takes its reservation with
            // it, so there is nothing to release. The reservation row is only visible once committed, so "still in
            // flight" (SPEC: 409) is this process's own set — a SQLite file has one instance.
            if (!_inFlight.TryAdd((scope, key), 0)) return NotReserved(http, ReservationOutcome.InFlight, null, contentType);
            try
            {
                var (outcome, stored, created) = await db.WriteAsync<(ReservationOutcome, StoredResponse?, RawCreated?)>(async (c, tx, t) =>
                {
                    var reservation = await IdempotencyStore.ReserveAsync(c, tx, scope, key, hash, clock.GetUtcNow(), lease, t).ConfigureAwait(false);
                    if (reservation.Outcome != ReservationOutcome.Reserved) return (reservation.Outcome, reservation.Response, null);
                    var result = await write(c, tx, t).ConfigureAwait(false);
                    await IdempotencyStore.CompleteAsync(c, tx, scope, key, Stored(result), clock.GetUtcNow(), t).ConfigureAwait(false);
                    return (ReservationOutcome.Reserved, null, result);
                }, ct).ConfigureAwait(false);
                return outcome == ReservationOutcome.Reserved ? Answer(http, created!, contentType) : NotReserved(http, outcome, stored, contentType);
            }
            finally
            {
                _inFlight.TryRemove((scope, key), out _);
            }
        }

        var (first, replay) = await IdempotencyStore.ReserveAsync(db, scope, key, hash, clock.GetUtcNow(), lease, ct).ConfigureAwait(false);
        if (first != ReservationOutcome.Reserved) return NotReserved(http, first, replay, contentType);
        try
        {
            var created = await db.WriteAsync(async (c, tx, t) =>
            {
                var result = await write(c, tx, t).ConfigureAwait(false);
                await IdempotencyStore.CompleteAsync(c, tx, scope, key, Stored(result), clock.GetUtcNow(), t).ConfigureAwait(false);
                return result;
            }, ct).ConfigureAwait(false);
            return Answer(http, created, contentType);
        }
        catch (Exception e) when (e is not IdempotencyLeaseLostException)
        {
            // The write did not happen: free the key so the client's retry can proceed.
            await IdempotencyStore.ReleaseAsync(db, scope, key, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>The write, followed in its own unit by the audit row of its success.</summary>
    private Func<DbConnection, DbTransaction, CancellationToken, Task<RawCreated>> Audited(
        HttpContext http, Func<DbConnection, DbTransaction, CancellationToken, Task<RawCreated>> write) => async (c, tx, t) =>
    {
        var created = await write(c, tx, t).ConfigureAwait(false);
        await Audit.AuditMiddleware.RecordWrittenInUnitAsync(http, c, tx, clock.GetUtcNow(), created.Status, t).ConfigureAwait(false);
        return created;
    };

    private static StoredResponse Stored(RawCreated result) => new(result.Status, result.Location, result.ReplayBody, result.ETag);

    private static IResult NotReserved(HttpContext http, ReservationOutcome outcome, StoredResponse? stored, string contentType)
    {
        switch (outcome)
        {
            case ReservationOutcome.Replay:
                http.Response.Headers[ReplayedHeader] = "true";
                if (stored!.Location is not null) http.Response.Headers.Location = stored.Location;
                if (stored.ETag is not null) http.Response.Headers.ETag = stored.ETag;
                return Results.Text(stored.Body, contentType, Encoding.UTF8, stored.Status);
            case ReservationOutcome.BodyMismatch:
                throw new IdempotencyKeyReusedException();
            default:
                throw new StateConflictException("Idempotency-Key in use", "A request with this Idempotency-Key is still being processed; retry shortly.");
        }
    }

    private static IResult Answer(HttpContext http, RawCreated written, string contentType)
    {
        if (written.Location is not null) http.Response.Headers.Location = written.Location;
        if (written.ETag is not null) http.Response.Headers.ETag = written.ETag;
        return Results.Text(written.Body, contentType, Encoding.UTF8, written.Status);
    }

    /// <summary>
    /// Whose keys these are (README "Idempotency": keys are scoped to the caller): an API key by its id — the scope
    /// stored since keys existed — and a person by <c>user:</c> and the token's <c>sub</c>, which no key id can equal.
    /// Never empty: one scope for everyone would replay one caller's answer, another site's patient included, to any
    /// other caller sending the same key.
    /// </summary>
    internal static string CallerScope(ClaimsPrincipal user)
    {
        var actor = Caller.ActorOf(user) ?? throw new InvalidOperationException("An idempotent create without an authenticated caller.");
        return actor.Type == Actor.KeyType ? actor.Id : $"{actor.Type}:{actor.Id}";
    }

    /// <summary>
    /// Hash of method, path, If-Match (a correction's precondition is part of what was asked: a retry naming another
    /// version is another request, 422, not a replay of an answer that may be stale) and the canonical body (the parsed body re-serialised, or
    /// a digest of its JSON), so whitespace or key order do not count as a different body.
    /// </summary>
    private static string RequestHash(HttpContext http, byte[] canonicalRequest)
    {
        // The UTF-8 of "head" + request, as when the request was a string: stored keys keep matching.
        var head = Encoding.UTF8.GetBytes(http.Request.Headers.IfMatch.Count == 0
            ? $"{http.Request.Method} {http.Request.Path}\n" // as before If-Match counted: stored keys keep matching
            : $"{http.Request.Method} {http.Request.Path}\nIf-Match: {http.Request.Headers.IfMatch}\n");
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(head);
        hash.AppendData(canonicalRequest);
        return Convert.ToHexString(hash.GetHashAndReset());
    }
}
