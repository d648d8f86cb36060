using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace KetamineOutcomes.Api.Security;

/// <summary>
/// The issuer's discovery document and JWKS, read and cached by Microsoft.IdentityModel's ConfigurationManager, plus
/// whether they could be read at all. Until the first successful read every bearer token fails (the library then
/// reports "not from the configured issuer", which blames the token): <see cref="Unavailable"/> lets the challenge answer
/// 503 instead, and the failure is logged as a warning (the address and the library's reason; never a token). Once read,
/// a failed refresh keeps the cached metadata (the library logs it) and does not make it unavailable.
/// </summary>
internal sealed partial class IssuerMetadata(string address, IDocumentRetriever documents, ILogger logger, TimeSpan warnEvery)
    : ConfigurationManager<OpenIdConnectConfiguration>(address, new OpenIdConnectConfigurationRetriever(), documents)
{
    private volatile bool _unavailable;
    private long _lastWarning = DateTime.MinValue.Ticks;

    /// <summary>True while the metadata has never been read and the last attempt failed.</summary>
    public bool Unavailable => _unavailable;

    public override async Task<OpenIdConnectConfiguration> GetConfigurationAsync(CancellationToken cancel)
    {
        try
        {
            var configuration = await base.GetConfigurationAsync(cancel).ConfigureAwait(false);
            _unavailable = false;
            return configuration;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _unavailable = true;
            // Every bearer request retries while nothing is cached: one warning per interval, not one per request.
            var now = DateTime.UtcNow.Ticks;
            var last = Interlocked.Read(ref _lastWarning);
            if (now - last >= warnEvery.Ticks && Interlocked.CompareExchange(ref _lastWarning, now, last) == last)
                LogUnavailable(logger, MetadataAddress, e.InnerException?.Message ?? e.Message);
            throw;
        }
    }

    [LoggerMessage(2302, LogLevel.Warning, "The identity provider's metadata at {MetadataAddress} cannot be read ({Reason}); bearer tokens are answered 503 until it can. API keys keep working.")]
    private static partial void LogUnavailable(ILogger logger, string metadataAddress, string reason);
}
