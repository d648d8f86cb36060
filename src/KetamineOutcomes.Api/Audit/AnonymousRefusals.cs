using System.Net;
using System.Net.Sockets;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;
using Microsoft.Extensions.Options;

namespace KetamineOutcomes.Api.Audit;

/// <summary>
/// Caps the audit rows that calls without a valid key can cause (issue 18: one address added 1,709 rows in 15 s).
/// Per client address and one-minute window (aligned to the minute), the first
/// <see cref="AuditOptions.AnonymousRefusalRowsPerMinute"/> refusals get a row each; the rest are only counted, and
/// <see cref="TakeEnded"/> turns each window's count into one aggregated row. An IPv6 client is one /64 (one host can
/// hold a whole /64). At most <see cref="AuditOptions.AnonymousRefusalAddressesTracked"/> addresses are tracked; further
/// addresses share one entry, <see cref="OtherAddresses"/>, that is only counted. Calls with a key are never capped here:
/// the key names its caller and has its own rate limit.
/// </summary>
internal sealed class AnonymousRefusals(IOptions<AuditOptions> options, TimeProvider clock)
{
    /// <summary>The action of an aggregated row.</summary>
    public const string AggregateAction = "AnonymousRefusals";

    /// <summary>The client address of the aggregated row of every address past the tracking cap.</summary>
    public const string OtherAddresses = "*";

    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    private sealed class Entry(DateTimeOffset start)
    {
        public DateTimeOffset Start = start;
        public int Rows;
        public long Counted;
        public string? FirstCountedRequestId;
    }

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly List<AuditEntry> _ended = [];

    /// <summary>True: this refusal gets a row of its own. False: it was counted into its window's aggregated row.</summary>
    public bool Admit(IPAddress? address, string requestId)
    {
        var now = clock.GetUtcNow();
        var start = WindowStart(now);
        var limits = options.Value;
        lock (_gate)
        {
            var key = Partition(address);
            if (!_entries.TryGetValue(key, out var entry))
            {
                var tracked = _entries.Count - (_entries.ContainsKey(OtherAddresses) ? 1 : 0);
                if (tracked >= limits.AnonymousRefusalAddressesTracked) key = OtherAddresses;
                if (!_entries.TryGetValue(key, out entry)) _entries[key] = entry = new Entry(start);
            }
            if (entry.Start != start)
            {
                // A new window for this address: the last one's count is final.
                CloseInto(_ended, key, entry);
                (entry.Start, entry.Rows, entry.Counted, entry.FirstCountedRequestId) = (start, 0, 0, null);
            }
            if (key != OtherAddresses && entry.Rows < limits.AnonymousRefusalRowsPerMinute)
            {
                entry.Rows++;
                return true;
            }
            entry.Counted++;
            entry.FirstCountedRequestId ??= requestId;
            return false;
        }
    }

    /// <summary>
    /// The aggregated rows of windows that have ended (all windows, with <paramref name="all"/>: at shutdown), taken
    /// out; their addresses are forgotten. Give them back with <see cref="Restore"/> if they could not be written.
    /// </summary>
    public IReadOnlyList<AuditEntry> TakeEnded(bool all)
    {
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            foreach (var (key, entry) in _entries.Where(e => all || e.Value.Start + Window <= now).ToArray())
            {
                CloseInto(_ended, key, entry);
                _entries.Remove(key);
            }
            var taken = _ended.ToArray();
            _ended.Clear();
            return taken;
        }
    }

    public void Restore(IReadOnlyList<AuditEntry> entries)
    {
        lock (_gate) _ended.InsertRange(0, entries);
    }

    private static void CloseInto(List<AuditEntry> ended, string key, Entry entry)
    {
        if (entry.Counted == 0) return;
        ended.Add(new AuditEntry(entry.Start, null, null, AggregateAction, StatusCodes.Status401Unauthorized, AuditMiddleware.OutcomeOf(StatusCodes.Status401Unauthorized),
            entry.FirstCountedRequestId ?? "", ClientAddress: key, Count: entry.Counted));
    }

    private static DateTimeOffset WindowStart(DateTimeOffset now) =>
        DbTime.Normalize(new DateTimeOffset(now.UtcTicks - now.UtcTicks % Window.Ticks, TimeSpan.Zero));

    /// <summary>The address as a row shows it: IPv4-mapped IPv6 as IPv4; null when the transport has none.</summary>
    public static string? Display(IPAddress? address) =>
        address is null ? null : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();

    /// <summary>The quota's unit: an IPv4 address, or an IPv6 /64.</summary>
    private static string Partition(IPAddress? address)
    {
        if (address is null) return "unknown";
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
