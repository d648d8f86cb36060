using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Data.Tests;

public class IdempotencyStoreTests
{
    private static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Key_moves_from_reserved_to_in_flight_to_replay()
    {
        using var db = new TempDatabase();
        Assert.Equal(ReservationOutcome.Reserved, (await IdempotencyStore.ReserveAsync(db.Db, "k1", "abc", "h", Now, Lease, default)).Outcome);
        Assert.Equal(ReservationOutcome.InFlight, (await IdempotencyStore.ReserveAsync(db.Db, "k1", "abc", "h", Now.AddSeconds(1), Lease, default)).Outcome);

        await db.Db.WriteAsync(async (c, tx, ct) =>
        {
            await IdempotencyStore.CompleteAsync(c, tx, "k1", "abc", new StoredResponse(201, "/x", "{\"a\":1}"), Now.AddSeconds(2), ct);
            return 0;
        }, default);
        var (outcome, response) = await IdempotencyStore.ReserveAsync(db.Db, "k1", "abc", "h", Now.AddSeconds(3), Lease, default);
        Assert.Equal(ReservationOutcome.Replay, outcome);
        Assert.Equal(new StoredResponse(201, "/x", "{\"a\":1}"), response);
    }

    [Fact]
    public async Task Same_key_with_another_body_is_a_mismatch_and_keys_are_scoped_per_caller()
    {
        using var db = new TempDatabase();
        await IdempotencyStore.ReserveAsync(db.Db, "k1", "abc", "h1", Now, Lease, default);
        Assert.Equal(ReservationOutcome.BodyMismatch, (await IdempotencyStore.ReserveAsync(db.Db, "k1", "abc", "h2", Now, Lease, default)).Outcome);
        Assert.Equal(ReservationOutcome.Reserved, (await IdempotencyStore.ReserveAsync(db.Db, "k2", "abc", "h2", Now, Lease, default)).Outcome);
    }

    [Fact]
    public async Task Abandoned_reservation_is_taken_over_after_the_lease_and_the_old_holder_cannot_complete()
    {
        using var db = new TempDatabase();
        await IdempotencyStore.ReserveAsync(db.Db, "k1", "abc", "h", Now, Lease, default);
        Assert.Equal(ReservationOutcome.Reserved, (await IdempotencyStore.ReserveAsync(db.Db, "k1", "abc", "h", Now + Lease, Lease, default)).Outcome);

        await db.Db.WriteAsync(async (c, tx, ct) =>
        {
            await IdempotencyStore.CompleteAsync(c, tx, "k1", "abc", new StoredResponse(201, null, "{}"), Now + Lease, ct);
            return 0;
        }, default);
        // A second completion (the original, slow holder) finds no in-flight row and must roll back its write.
        await Assert.ThrowsAsync<IdempotencyLeaseLostException>(async () => await db.Db.WriteAsync(async (c, tx, ct) =>
        {
            await IdempotencyStore.CompleteAsync(c, tx, "k1", "abc", new StoredResponse(201, null, "{}"), Now + Lease, ct);
            return 0;
        }, default));
    }

    [Fact]
    public async Task Released_key_can_be_reserved_again()
    {
        using var db = new TempDatabase();
        await IdempotencyStore.ReserveAsync(db.Db, "k1", "abc", "h", Now, Lease, default);
        Assert.Equal(1, await IdempotencyStore.ReleaseAsync(db.Db, "k1", "abc", default));
        Assert.Equal(ReservationOutcome.Reserved, (await IdempotencyStore.ReserveAsync(db.Db, "k1", "abc", "h2", Now, Lease, default)).Outcome);
    }
}
