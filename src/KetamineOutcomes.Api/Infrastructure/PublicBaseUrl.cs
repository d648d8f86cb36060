using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace KetamineOutcomes.Api.Infrastructure;

/// <summary>
/// The address clients reach the service at, for absolute links (FHIR <c>self</c>/<c>next</c>, <c>entry.fullUrl</c>,
/// CapabilityStatement <c>implementation.url</c>). Never taken from the request's Host header: a forged Host would
/// otherwise be echoed into links that EHRs follow (host-header injection).
/// </summary>
/// <remarks>
/// Configuration <c>PublicBaseUrl</c>: an absolute http or https URL without query, fragment or user info; a path is
/// kept (<c>https://clinic.example/outcomes</c>). Unset: in Development, the first address the server listens on
/// (wildcard hosts read as localhost); in any other environment the service refuses to start (<see cref="Problem"/>).
/// </remarks>
internal sealed class PublicBaseUrl(IConfiguration configuration, IServer server)
{
    public const string Key = "PublicBaseUrl";

    private string? _value;

    /// <summary>Origin and path base without a trailing slash, e.g. <c>https://outcomes.clinic.example</c>.</summary>
    public string Value => _value ??= TryNormalize(configuration[Key]) ?? FromServer();

    /// <summary>The FHIR base: <c>{PublicBaseUrl}/fhir/r4</c>.</summary>
    public string Fhir => Value + "/fhir/r4";

    /// <summary>
    /// One plain line saying why the service must not start, or null: a <c>PublicBaseUrl</c> that is not an absolute
    /// http(s) URL without query or fragment, or none outside Development. Checked at start (<see cref="StartupProblem"/>).
    /// </summary>
    internal static string? Problem(string? raw, IHostEnvironment environment)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return environment.IsDevelopment() ? null
                : $"PublicBaseUrl is not set: set it to the address clients use for this service (environment {Key}=https://outcomes.clinic.example); " +
                  $"only the Development environment derives it from the listening address. Environment: {environment.EnvironmentName}.";
        }
        return TryNormalize(raw) is null
            ? $"PublicBaseUrl must be an absolute http or https URL without query, fragment or user info, e.g. https://outcomes.clinic.example; got '{raw}'."
            : null;
    }

    private static string? TryNormalize(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw) || raw.IndexOfAny(['?', '#']) >= 0) return null;
        if (!Uri.TryCreate(raw.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.UserInfo.Length > 0) return null;
        return uri.GetLeftPart(UriPartial.Path).TrimEnd('/');
    }

    private string FromServer()
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault(a => a.StartsWith("http", StringComparison.OrdinalIgnoreCase));
        // An in-memory test server listens nowhere; Development only.
        if (address is null) return "http://localhost";
        var binding = BindingAddress.Parse(address);
        var host = binding.Host is "+" or "*" or "0.0.0.0" or "[::]" ? "localhost" : binding.Host;
        return $"{binding.Scheme}://{host}:{binding.Port}{binding.PathBase}".TrimEnd('/');
    }
}

/// <summary>The <c>PublicBaseUrl</c> setting as options, so that it is validated at start with every other setting.</summary>
internal sealed class PublicBaseUrlSetting
{
    public string? Value { get; set; }

    /// <summary>Registers <see cref="PublicBaseUrl"/> and its start-up check (<see cref="PublicBaseUrl.Problem"/>).</summary>
    public static void Register(IServiceCollection services)
    {
        services.AddSingleton<PublicBaseUrl>();
        services.AddOptions<PublicBaseUrlSetting>().Configure<IConfiguration>((o, c) => o.Value = c[PublicBaseUrl.Key]).ValidateOnStart();
        services.AddSingleton<IValidateOptions<PublicBaseUrlSetting>, Validation>();
    }

    private sealed class Validation(IHostEnvironment environment) : IValidateOptions<PublicBaseUrlSetting>
    {
        public ValidateOptionsResult Validate(string? name, PublicBaseUrlSetting options) =>
            PublicBaseUrl.Problem(options.Value, environment) is { } problem ? ValidateOptionsResult.Fail(problem) : ValidateOptionsResult.Success;
    }
}
