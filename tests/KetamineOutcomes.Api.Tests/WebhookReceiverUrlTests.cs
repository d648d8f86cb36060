using System.ComponentModel.DataAnnotations;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;
using KetamineOutcomes.Api.Webhooks;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// Receiver URLs live in configuration only (issue 18): a URL carrying a token in its user-info and query reaches the
/// receiver whole, yet no stored row holds it, and the delivery list shows it without user-info, query and fragment.
/// </summary>
public sealed class WebhookReceiverUrlTests : ApiTest
{
    internal const string UserInfoToken = "userinfo-secret-7f3a", QueryToken = "query-secret-9c1e";
    private readonly WebhookReceiver _receiver;

    public WebhookReceiverUrlTests() : this(new WebhookReceiver()) { }

    private WebhookReceiverUrlTests(WebhookReceiver receiver) : base(UnnamedSettings(TokenUrl(receiver, QueryToken))) => _receiver = receiver;

    /// <summary>The receiver's URL with a token in the user-info, one in the query, and a fragment.</summary>
    internal static string TokenUrl(WebhookReceiver receiver, string queryToken) =>
        $"http://hookuser:{UserInfoToken}@127.0.0.1:{receiver.Port}/hook?token={queryToken}#{queryToken}";

    /// <summary>One endpoint configured without a Name (so its name comes from the URL).</summary>
    internal static Dictionary<string, string?> UnnamedSettings(string url, int maxAttempts = 4)
    {
        var s = WebhookDeliveryTests.Settings(url, maxAttempts);
        s.Remove("Webhooks:Endpoints:0:Name");
        return s;
    }

    [Fact]
    public async Task A_url_with_tokens_reaches_the_receiver_whole_while_no_stored_row_holds_it_and_the_list_shows_it_redacted()
    {
        await _receiver.StartAsync();
        var patient = await CreatePatientAsync();
        await CreatedAsync($"/api/v1/patients/{patient}/questionnaires", new { instrument = "phq9", completedAt = Iso(Day0), items = Phq9Items(14, 2) });

        JsonArray delivered = [];
        await Eventually.HoldsAsync(async () =>
            (delivered = (await Admin.GetFromJsonAsync<JsonNode>("/api/v1/webhook-deliveries?status=delivered"))!["items"]!.AsArray()).Count == 1, "delivered");
        var got = Assert.Single(_receiver.Requests);
        Assert.Equal($"?token={QueryToken}", got.Query); // sent to the configured URL, token included
        Assert.Equal($"http://127.0.0.1:{_receiver.Port}/hook", (string)delivered[0]!["endpoint"]!);

        // Every column of every outbox row, as stored.
        await using var c = await App.OpenConnectionAsync();
        var stored = new List<string>();
        foreach (var table in new[] { "webhook_deliveries", "outbox_events" })
        {
            foreach (IDictionary<string, object?> row in await c.QueryAsync($"SELECT * FROM {table}"))
                stored.AddRange(row.Values.Select(v => v is byte[] b ? Encoding.UTF8.GetString(b) : Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? ""));
        }
        Assert.Contains(stored, v => v == $"http://127.0.0.1:{_receiver.Port}/hook");
        Assert.DoesNotContain(stored, v => v.Contains(UserInfoToken, StringComparison.Ordinal) || v.Contains(QueryToken, StringComparison.Ordinal) || v.Contains("hookuser", StringComparison.Ordinal));

        if (App.Store.IsPostgres) return;
        // The SQLite file itself (and its write-ahead log) holds neither token anywhere, not just in no row.
        var file = App.Store.ConnectionString["Data Source=".Length..];
        foreach (var path in new[] { file, file + "-wal" }.Where(File.Exists))
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            Assert.Equal(-1, copy.ToArray().AsSpan().IndexOf(Encoding.UTF8.GetBytes(UserInfoToken)));
            Assert.Equal(-1, copy.ToArray().AsSpan().IndexOf(Encoding.UTF8.GetBytes(QueryToken)));
        }
    }

    [Fact]
    public void A_name_holding_a_url_with_a_token_is_refused_by_configuration()
    {
        var options = new WebhookOptions { Endpoints = [new() { Name = $"https://ehr.example.org/hook?token={QueryToken}", Url = "https://ehr.example.org/hook", Secret = WebhookDeliveryTests.Secret }] };
        var error = Assert.Single(Errors(options));
        Assert.Equal("Webhooks:Endpoints:0:Name must not hold a URL with user-info, a query or a fragment.", error);
    }

    [Fact]
    public void Unnamed_endpoints_differing_only_in_their_token_are_refused_without_echoing_the_token()
    {
        var options = new WebhookOptions
        {
            Endpoints =
            [
                new() { Url = "https://ehr.example.org/hook?token=first-secret-1", Secret = WebhookDeliveryTests.Secret },
                new() { Url = "https://ehr.example.org/hook?token=second-secret-2", Secret = WebhookDeliveryTests.Secret },
            ],
        };
        var error = Assert.Single(Errors(options));
        Assert.StartsWith("Webhook endpoint 'https://ehr.example.org/hook' is configured twice", error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error, StringComparison.Ordinal);
    }

    private static string[] Errors(WebhookOptions options) =>
        options.Validate(new ValidationContext(options)).Select(r => r.ErrorMessage!).ToArray();

    public override async Task DisposeAsync()
    {
        await _receiver.DisposeAsync();
        await base.DisposeAsync();
    }
}
