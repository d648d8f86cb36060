using System.Net;
using KetamineOutcomes.Api.Audit;
using Microsoft.Extensions.Options;

namespace KetamineOutcomes.Api.Tests;

/// <summary>The per-address quota of anonymous refusal rows (pure code over a test clock; the app-level tests are in <see cref="AnonymousRefusalAuditTests"/>).</summary>
public sealed class AnonymousRefusalQuotaTests
{
    private static readonly DateTimeOffset Minute = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);
    private readonly TestClock _clock = new(Minute.AddSeconds(30));

    private AnonymousRefusals Quota(int rows, int addresses) =>
        new(Options.Create(new AuditOptions { AnonymousRefusalRowsPerMinute = rows, AnonymousRefusalAddressesTracked = addresses }), _clock);

    private static int Admitted(AnonymousRefusals quota, string address, int calls) =>
        Enumerable.Range(0, calls).Count(i => quota.Admit(IPAddress.Parse(address), $"req-{address}-{i}"));

    [Fact]
    public void An_ipv6_client_is_one_slash_64_and_an_ipv4_mapped_address_is_its_ipv4_address()
    {
        var quota = Quota(rows: 2, addresses: 10);
        Assert.Equal(2, Admitted(quota, "2001:db8:1:2::1", 2));
        Assert.Equal(0, Admitted(quota, "2001:db8:1:2:ffff::9", 3)); // same /64: its quota is spent
        Assert.Equal(2, Admitted(quota, "2001:db8:1:3::1", 2));       // another /64
        Assert.Equal(2, Admitted(quota, "::ffff:203.0.113.7", 2));
        Assert.Equal(0, Admitted(quota, "203.0.113.7", 1));

        _clock.Advance(TimeSpan.FromSeconds(30));
        var rows = quota.TakeEnded(all: false).ToDictionary(e => e.ClientAddress!, e => e.Count);
        Assert.Equal(new Dictionary<string, long?> { ["2001:db8:1:2::/64"] = 3, ["203.0.113.7"] = 1 }, rows);
        Assert.Equal("203.0.113.7", AnonymousRefusals.Display(IPAddress.Parse("::ffff:203.0.113.7")));
    }

    [Fact]
    public void Addresses_past_the_tracking_cap_are_only_counted_under_one_shared_entry()
    {
        var quota = Quota(rows: 5, addresses: 2);
        Assert.Equal(1, Admitted(quota, "198.51.100.1", 1));
        Assert.Equal(1, Admitted(quota, "198.51.100.2", 1));
        Assert.Equal(0, Admitted(quota, "198.51.100.3", 4));
        Assert.Equal(0, Admitted(quota, "198.51.100.4", 2));

        var row = Assert.Single(quota.TakeEnded(all: true));
        Assert.Equal((AnonymousRefusals.OtherAddresses, 6L, "AnonymousRefusals", 401, "denied", "req-198.51.100.3-0"),
            (row.ClientAddress, row.Count, row.Action, row.StatusCode, row.Outcome, row.RequestId));
        Assert.Null(row.KeyId);
        Assert.Equal(Minute, row.At); // the window's start
        // Taken at shutdown, every address is forgotten: a fresh quota for all.
        Assert.Equal(5, Admitted(quota, "198.51.100.3", 5));
    }

    [Fact]
    public void An_open_window_is_not_taken_an_ended_one_is_taken_once_and_a_failed_write_can_give_it_back()
    {
        var quota = Quota(rows: 1, addresses: 10);
        Admitted(quota, "192.0.2.1", 4);
        Assert.Empty(quota.TakeEnded(all: false));

        _clock.Advance(TimeSpan.FromSeconds(30)); // 09:01:00, the window's end
        var taken = quota.TakeEnded(all: false);
        Assert.Equal(3, Assert.Single(taken).Count);
        Assert.Empty(quota.TakeEnded(all: false));
        quota.Restore(taken);
        Assert.Equal(3, Assert.Single(quota.TakeEnded(all: false)).Count);
    }

    [Fact]
    public void A_refusal_in_a_new_window_closes_the_last_windows_count_before_the_timer_does()
    {
        var quota = Quota(rows: 1, addresses: 10);
        Assert.Equal(1, Admitted(quota, "192.0.2.1", 3));
        _clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, Admitted(quota, "192.0.2.1", 1));
        var row = Assert.Single(quota.TakeEnded(all: false));
        Assert.Equal((2L, Minute), (row.Count, row.At));
    }
}
