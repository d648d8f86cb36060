using System.ComponentModel.DataAnnotations;
using KetamineOutcomes.Api.Security;
using Microsoft.Extensions.Configuration;

namespace KetamineOutcomes.Api.Tests.Oidc;

/// <summary>The token settings of issue 23 as the service binds and validates them at start-up (Auth:Oidc:*).</summary>
public sealed class OidcOptionsTests
{
    private static OidcOptions Bind(Dictionary<string, string?> settings)
    {
        var all = new Dictionary<string, string?> { ["Auth:Oidc:Authority"] = "https://login.example.org/realms/clinic", ["Auth:Oidc:Audience"] = "outcomes" };
        foreach (var (k, v) in settings) all[k] = v;
        var options = new OidcOptions();
        new ConfigurationBuilder().AddInMemoryCollection(all).Build().GetSection(OidcOptions.SectionName).Bind(options);
        return options;
    }

    private static string[] Problems(OidcOptions options) =>
        [.. options.Validate(new ValidationContext(options)).Select(r => r.ErrorMessage!)];

    [Fact]
    public void The_defaults_refresh_keys_at_most_every_30_seconds_metadata_every_10_minutes_and_accept_typ_at_jwt_and_JWT()
    {
        var options = Bind([]);
        Assert.Equal(TimeSpan.FromSeconds(30), options.KeyRefreshInterval);
        Assert.Equal(TimeSpan.FromMinutes(10), options.MetadataRefreshInterval);
        Assert.Equal(["at+jwt", "JWT"], options.TokenTypes);
        Assert.Empty(Problems(options));
    }

    [Fact]
    public void Configuring_ValidTokenTypes_replaces_the_default_list_rather_than_adding_to_it() =>
        Assert.Equal(["at+jwt"], Bind(new() { ["Auth:Oidc:ValidTokenTypes:0"] = "at+jwt" }).TokenTypes);

    [Theory]
    [InlineData("Auth:Oidc:KeyRefreshInterval", "00:00:00", "Auth:Oidc:KeyRefreshInterval must be between 00:00:01 and 00:05:00")]
    [InlineData("Auth:Oidc:KeyRefreshInterval", "30", "Auth:Oidc:KeyRefreshInterval must be between")] // "30" is 30 days
    [InlineData("Auth:Oidc:MetadataRefreshInterval", "00:04:59", "Auth:Oidc:MetadataRefreshInterval must be between 00:05:00 and 12:00:00")]
    [InlineData("Auth:Oidc:MetadataRefreshInterval", "1.00:00:00", "Auth:Oidc:MetadataRefreshInterval must be between")]
    [InlineData("Auth:Oidc:ValidTokenTypes:0", "at jwt", "Auth:Oidc:ValidTokenTypes must list the accepted typ values")]
    public void A_refresh_interval_out_of_range_or_an_unprintable_typ_is_refused_naming_the_setting(string key, string value, string expected) =>
        Assert.StartsWith(expected, Assert.Single(Problems(Bind(new() { [key] = value }))), StringComparison.Ordinal);
}
