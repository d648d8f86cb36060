using System.Net;
using System.Net.Sockets;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// A free loopback port for a listener a test starts later (its URL is configured first). Picked below the kernel's
/// ephemeral range (Linux 32768–60999): a port-0 bind elsewhere — every in-process test server, other test processes —
/// draws from that range, so it cannot take this port between the pick and the bind, which a port-0 pick invited
/// (a webhook receiver once failed with "address already in use" in CI).
/// </summary>
internal static class TestPorts
{
    private const int Lowest = 20_000, AboveHighest = 32_000;

    /// <summary>A loopback port nothing listens on now, from 20,000–31,999.</summary>
    public static int Free()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(Lowest, AboveHighest);
            try
            {
                using var probe = new TcpListener(IPAddress.Loopback, port);
                probe.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }
        throw new InvalidOperationException($"No free loopback port in {Lowest}–{AboveHighest - 1} after 200 tries.");
    }
}
