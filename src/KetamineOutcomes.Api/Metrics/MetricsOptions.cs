using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace KetamineOutcomes.Api.Metrics;

/// <summary>
/// "Metrics" section: the Prometheus scrape endpoint, <c>GET /metrics</c> on a listener of its own (README "Metrics").
/// It is not on the API's port: scrapers cannot send <c>X-Api-Key</c>, so access is by network — loopback by default.
/// </summary>
public sealed class MetricsOptions
{
    public const string SectionName = "Metrics";

    /// <summary>Off: no listener, no instrumentation.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The IP address the metrics listener binds; only loopback by default.</summary>
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>The metrics listener's TCP port (9464, Prometheus' usual exporter port); 0 takes any free port (logged).</summary>
    public int Port { get; set; } = 9464;

    /// <summary>
    /// How long a reading of the store's gauges (open alerts, delivery backlog) is reused, so that a flood of scrapes
    /// costs the store at most one pair of aggregate queries per interval. 0 to 10 minutes.
    /// </summary>
    public TimeSpan StoreReadInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// One plain line naming the first "Metrics" setting that is not a value the service takes, else null; checked
    /// before start so a typo stops the service with that line rather than a stack trace (SPEC v2 Boundaries).
    /// </summary>
    public static string? StartupProblem(IConfiguration configuration)
    {
        var section = configuration.GetSection(SectionName);
        if (section[nameof(Enabled)] is { } enabled && enabled is not ("true" or "false"))
            return "Metrics:Enabled must be exactly true or false.";
        if (section[nameof(Address)] is { } address && !IPAddress.TryParse(address, out _))
            return "Metrics:Address must be an IP address (e.g. 127.0.0.1, or 0.0.0.0 for every interface).";
        if (section[nameof(Port)] is { } port && !(int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p <= 65535))
            return "Metrics:Port must be a whole number from 0 to 65535.";
        if (section[nameof(StoreReadInterval)] is { } interval
            && !(TimeSpan.TryParse(interval, CultureInfo.InvariantCulture, out var i) && i >= TimeSpan.Zero && i <= TimeSpan.FromMinutes(10)))
            return "Metrics:StoreReadInterval must be a time span from 00:00:00 to 00:10:00.";
        return PortTaken(section);
    }

    // A port already taken would otherwise end the start in a stack trace from the listener's host: try it first (a
    // port taken in the instant between this and the listener's start still ends that way).
    private static string? PortTaken(IConfigurationSection section)
    {
        var options = section.Get<MetricsOptions>() ?? new MetricsOptions();
        if (!options.Enabled || options.Port == 0) return null;
        try
        {
            using var probe = new Socket(IPAddress.Parse(options.Address).AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.Parse(options.Address), options.Port));
            return null;
        }
        catch (SocketException e)
        {
            return FormattableString.Invariant(
                $"Metrics:Port {options.Port} on {options.Address} cannot be used ({e.SocketErrorCode}): set Metrics:Port to a free port (0 for any), or Metrics:Enabled=false.");
        }
    }
}
