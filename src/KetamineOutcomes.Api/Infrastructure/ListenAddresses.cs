using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting.Server;

namespace KetamineOutcomes.Api.Infrastructure;

/// <summary>
/// The addresses the API listens on (<c>--urls</c>, <c>ASPNETCORE_URLS</c> or <c>Urls</c>; <c>http_ports</c>; default
/// <c>http://localhost:5000</c>), checked before anything starts: Kestrel would otherwise end the start in a stack
/// trace and exit code 134 on an address it cannot read or a port another process holds. One line naming the address
/// and what to do instead; Program exits with code 1 (README "Configuration").
/// </summary>
internal static partial class ListenAddresses
{
    private const string DefaultUrl = "http://localhost:5000";

    /// <summary>
    /// Whether the host's server is Kestrel, which binds these addresses — not an in-process test server, which binds
    /// none (it too carries an addresses feature, so the server's own type decides).
    /// </summary>
    public static bool ListensOnAddresses(IServiceProvider services) =>
        services.GetRequiredService<IServer>().GetType().Namespace?.StartsWith("Microsoft.AspNetCore.Server.Kestrel", StringComparison.Ordinal) == true;

    /// <summary>Null when every address can be read and bound now; else the line to print.</summary>
    public static string? StartupProblem(IConfiguration configuration)
    {
        // Endpoints configured in the Kestrel section replace the URLs; Kestrel reports those itself.
        if (configuration.GetSection("Kestrel:Endpoints").GetChildren().Any()) return null;
        foreach (var url in Urls(configuration))
        {
            if (Read(url) is not { } address)
                return $"Cannot listen on '{url}': not an address the service can listen on. Give http:// or https://, a host (an IP address, localhost, or * for every interface) and a port, e.g. --urls http://127.0.0.1:8080 (several separated by ';').";
            if (address.Scheme.Equals("https", StringComparison.OrdinalIgnoreCase) && !HasCertificate(configuration))
                return $"Cannot listen on {url}: HTTPS needs a server certificate and none is configured. Set Kestrel:Certificates:Default:Path "
                    + "(and :KeyPath or :Password), or terminate TLS at the reverse proxy (deploy/nginx) and listen on http://127.0.0.1.";
            if (address.Port == 0) continue;
            foreach (var endpoint in EndpointsOf(address))
            {
                try
                {
                    using var probe = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                    if (endpoint.Address.Equals(IPAddress.IPv6Any)) probe.DualMode = true;
                    probe.Bind(endpoint);
                }
                catch (SocketException e)
                {
                    return Refusal(url, e.SocketErrorCode);
                }
            }
        }
        return null;
    }

    /// <summary>
    /// The line for a bind that failed after the check (a port taken in the instant between the two), or null when
    /// <paramref name="e"/> is not such a failure.
    /// </summary>
    public static string? Refusal(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            if (inner is AddressInUseException or SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse })
                return $"Cannot listen: {e.Message.TrimEnd('.')}. Stop the other process, or choose another port with --urls (or ASPNETCORE_URLS).";
        }
        return null;
    }

    private static string Refusal(string url, SocketError error) => error switch
    {
        SocketError.AddressAlreadyInUse =>
            $"Cannot listen on {url}: another process is listening on that port. Stop it, or choose another port with --urls (or ASPNETCORE_URLS).",
        SocketError.AccessDenied =>
            $"Cannot listen on {url}: permission denied (ports below 1024 need privileges). Choose a port from 1024 up with --urls, behind the reverse proxy.",
        SocketError.AddressNotAvailable =>
            $"Cannot listen on {url}: this machine has no such address. Use one of its own (127.0.0.1 for this host only) with --urls.",
        _ => $"Cannot listen on {url} ({error}). Choose another address with --urls (or ASPNETCORE_URLS).",
    };

    // What Kestrel falls back to for an https address without an endpoint of its own: the default certificate from
    // configuration, else the ASP.NET Core development certificate (marked by its OID) in the user's store, if still valid.
    private static bool HasCertificate(IConfiguration configuration)
    {
        if (configuration.GetSection("Kestrel:Certificates:Default").GetChildren().Any()) return true;
        const string DevelopmentCertificateOid = "1.3.6.1.4.1.311.84.1.1";
        try
        {
            using var store = new X509Store(StoreName.My, StoreLocation.CurrentUser);
            store.Open(OpenFlags.ReadOnly | OpenFlags.OpenExistingOnly);
            var now = DateTime.Now;
            return store.Certificates.Any(c => c.NotBefore <= now && now <= c.NotAfter && c.HasPrivateKey
                && c.Extensions.Any(e => e.Oid?.Value == DevelopmentCertificateOid));
        }
        catch (CryptographicException)
        {
            return false; // no user store at all: no development certificate
        }
    }

    private static string[] Urls(IConfiguration configuration)
    {
        var urls = configuration[WebHostDefaults.ServerUrlsKey];
        if (!string.IsNullOrWhiteSpace(urls)) return urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        // As Kestrel reads http_ports / https_ports when no URL is set: every interface.
        var ports = Ports(configuration[WebHostDefaults.HttpPortsKey], "http").Concat(Ports(configuration[WebHostDefaults.HttpsPortsKey], "https")).ToArray();
        return ports.Length > 0 ? ports : [DefaultUrl];
    }

    private static IEnumerable<string> Ports(string? list, string scheme) =>
        (list ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(p => $"{scheme}://*:{p}");

    // Kestrel's own reading (BindingAddress) is lenient where a slip is dangerous: a port it cannot read
    // (`127.0.0.1:abc`, `127.0.0.1:`) or no port at all becomes 80, and a host that is not an IP address or localhost
    // (`127.0.0.l`) binds every interface. So an address must spell out its host — an IP address, localhost, or * / +
    // for every interface on purpose — and its port; a Unix socket (`http://unix:/path`) is taken as Kestrel reads it.
    private static BindingAddress? Read(string url)
    {
        try
        {
            var address = BindingAddress.Parse(url);
            if (address.IsUnixPipe || address.IsNamedPipe) return address;
            var m = ExplicitAddress().Match(url);
            if (!m.Success) return null;
            var host = m.Groups["host"].Value;
            var named = host is "*" or "+" || host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || IPAddress.TryParse(host.Trim('[', ']'), out _);
            return named && int.TryParse(m.Groups["port"].Value, out var port) && port is >= 0 and <= 65535 && address.Port == port ? address : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"^(?i:https?)://(?<host>\[[0-9A-Fa-f:.]+\]|[^:/\[\]]+):(?<port>[0-9]{1,5})/?\z")]
    private static partial Regex ExplicitAddress();

    // Where Kestrel binds each kind of host: localhost on both loopbacks, an IP where it says, any other name (and *, +)
    // on every interface.
    private static IEnumerable<IPEndPoint> EndpointsOf(BindingAddress address)
    {
        if (address.IsUnixPipe || address.IsNamedPipe) yield break;
        if (string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            yield return new IPEndPoint(IPAddress.Loopback, address.Port);
            if (Socket.OSSupportsIPv6) yield return new IPEndPoint(IPAddress.IPv6Loopback, address.Port);
        }
        else if (IPAddress.TryParse(address.Host.Trim('[', ']'), out var ip))
        {
            yield return new IPEndPoint(ip, address.Port);
        }
        else
        {
            yield return new IPEndPoint(Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any, address.Port);
        }
    }
}
