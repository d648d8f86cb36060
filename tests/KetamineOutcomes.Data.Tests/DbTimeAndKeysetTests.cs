using Dapper;
using KetamineOutcomes.Data.Infrastructure;

namespace KetamineOutcomes.Data.Tests;

public class DbTimeAndKeysetTests
{
    [Theory]
    [InlineData("2026-03-02T09:30:00.1234567+05:30", "2026-03-02T04:00:00.123456+00:00")]
    [InlineData("1900-01-01T00:00:00Z", "1900-01-01T00:00:00+00:00")]
    [InlineData("2026-03-02T09:30:00-08:00", "2026-03-02T17:30:00+00:00")]
    public async Task Instants_round_trip_through_sqlite_as_utc_microseconds(string input, string expected)
    {
        using var db = new TempDatabase();
        var value = DateTimeOffset.Parse(input, System.Globalization.CultureInfo.InvariantCulture);
        await using var c = await db.Factory.OpenAsync(CancellationToken.None);
        await c.ExecuteAsync("INSERT INTO patients (id, research_consent, created_at, updated_at) VALUES ('t', 1, @at, @at)", new { at = DbTime.ToDb(value) });
        var back = await c.QuerySingleAsync<DateTimeOffset>("SELECT created_at FROM patients WHERE id = 't'");
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), back);
        Assert.Equal(TimeSpan.Zero, back.Offset);
        Assert.Equal(DbTime.Normalize(value), back);
    }

    [Fact]
    public void Keyset_cursor_round_trips()
    {
        var id = Guid.CreateVersion7();
        Assert.Equal((1234567L, id), Keyset.Decode(Keyset.Encode(1234567, id)));
        Assert.Equal((null, id), Keyset.Decode(Keyset.Encode(null, id)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-base64!")]
    [InlineData("aGVsbG8")] // "hello"
    public void Keyset_refuses_cursors_it_did_not_issue(string cursor) =>
        Assert.Throws<FormatException>(() => Keyset.Decode(cursor));
}
