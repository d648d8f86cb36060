using System.Net;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// The list query strings (ListQuery, the one reader every endpoint's query goes through): <c>limit</c> is digits
/// without leading zeros, and a parameter given twice is refused as repeated — not judged as the comma-joined value
/// the framework binds ("a,b"), whose message ("Must be 1–64 characters…") would mislead.
/// </summary>
public sealed class QueryStrictnessTests : ApiTest
{
    private static readonly string[] Lists = ["/api/v1/response-watch?siteId=north&", "/api/v1/safety-alerts?", "/api/v1/due?siteId=north&"];

    private async Task<(HttpStatusCode Status, JsonNode? Body)> GetAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    [Theory]
    [InlineData("010")]
    [InlineData("0010")]
    [InlineData("00")]
    [InlineData("+10")]
    [InlineData("10%20")]
    [InlineData("1e1")]
    [InlineData("0")]
    [InlineData("501")]
    public async Task A_limit_with_a_leading_zero_sign_space_exponent_or_out_of_range_is_refused_naming_limit_on_every_list(string limit)
    {
        foreach (var list in Lists)
        {
            var (status, body) = await GetAsync(Client, $"{list}limit={limit}");
            Assert.True(status == HttpStatusCode.BadRequest, $"{list}limit={limit} → {(int)status}");
            Assert.Equal(["limit"], ErrorKeys(body));
        }
    }

    [Theory]
    [InlineData("1")]
    [InlineData("10")]
    [InlineData("500")]
    public async Task A_plain_limit_from_1_to_500_is_accepted_on_every_list(string limit)
    {
        foreach (var list in Lists)
        {
            var (status, _) = await GetAsync(Client, $"{list}limit={limit}");
            Assert.True(status == HttpStatusCode.OK, $"{list}limit={limit} → {(int)status}");
        }
    }

    [Theory]
    [InlineData("/api/v1/response-watch?siteId=a&siteId=b", "siteId")]
    [InlineData("/api/v1/response-watch?instrument=phq9&instrument=gad7", "instrument")]
    [InlineData("/api/v1/response-watch?limit=10&limit=10", "limit")]
    [InlineData("/api/v1/safety-alerts?siteId=a&siteId=b", "siteId")]
    [InlineData("/api/v1/safety-alerts?level=high&level=low", "level")]
    [InlineData("/api/v1/safety-alerts?status=all&status=all", "status")]
    [InlineData("/api/v1/due?siteId=a&siteId=b", "siteId")]
    [InlineData("/api/v1/due?siteId=north&status=due&status=overdue", "status")]
    public async Task A_parameter_given_twice_is_refused_as_repeated_not_as_a_bad_value(string url, string field)
    {
        var (status, body) = await GetAsync(Client, url);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal([field], ErrorKeys(body));
        Assert.Equal($"Given 2 times: give {field} once.", (string)body!["errors"]![field]![0]!);
    }

    [Theory]
    [InlineData("/api/v1/research/summary?instrument=phq9&diagnosis=trd&diagnosis=mdd", "diagnosis")]
    [InlineData("/api/v1/research/durability?instrument=phq9&instrument=gad7", "instrument")]
    [InlineData("/api/v1/research/trajectory?instrument=phq9&by=week&by=session", "by")]
    [InlineData("/api/v1/research/durability?instrument=phq9&siteId=a&siteId=b", "siteId")]
    public async Task A_repeated_research_filter_is_refused_as_repeated(string url, string field)
    {
        using var researcher = ClientWith(await CreateKeyAsync("researcher"));
        var (status, body) = await GetAsync(researcher, url);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal([field], ErrorKeys(body));
        Assert.Equal($"Given 2 times: give {field} once.", (string)body!["errors"]![field]![0]!);
    }

    [Fact]
    public async Task A_single_comma_joined_value_is_still_judged_as_a_value()
    {
        var (status, body) = await GetAsync(Client, "/api/v1/response-watch?siteId=a%2Cb");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.StartsWith("Must be 1–64 characters", (string)body!["errors"]!["siteId"]![0]!, StringComparison.Ordinal);
    }
}
