using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// A newcomer who starts the service with <c>--seed-demo</c> and follows the README's "Two commands" alone opens the
/// dashboard on a demo patient (issue 19, point 5): the steps, the key's body, the MRN and the site are read from the
/// README itself, so README and demo cohort cannot drift apart unnoticed.
/// </summary>
public sealed partial class ReadmeDemoTests : IDisposable
{
    private const string AdminKey = "readme-demo-test-bootstrap-admin-key-0123456789";
    private readonly string _workDir = Directory.CreateTempSubdirectory("ko-readme-demo-").FullName;

    [Fact]
    public async Task The_key_the_README_creates_for_the_demo_finds_the_demo_patient_it_names_as_the_dashboard_looks_it_up()
    {
        var readme = File.ReadAllText(Path.Combine(RepoPaths.Root, "README.md"));
        var firstRun = readme[readme.IndexOf("## Two commands", StringComparison.Ordinal)..readme.IndexOf("## API tour", StringComparison.Ordinal)];
        Assert.Contains("dotnet run --project src/KetamineOutcomes.Api -- --seed-demo", firstRun, StringComparison.Ordinal);
        var keyBody = DemoKeyRequest().Match(firstRun);
        Assert.True(keyBody.Success, "the README's first run creates a key for the demo");
        var patient = DemoPatient().Match(firstRun);
        Assert.True(patient.Success, "the README's first run names a demo MRN and its site");
        var (mrn, site) = (patient.Groups["mrn"].Value, patient.Groups["site"].Value);

        using var service = new BuiltService(_workDir, new Dictionary<string, string> { ["Auth__BootstrapAdminKey"] = AdminKey },
            ["--seed-demo", "--urls", "http://127.0.0.1:0"]);
        using var http = new HttpClient { BaseAddress = await service.ListeningAsync() };
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/v1/api-keys")
        {
            Content = new StringContent(keyBody.Groups["body"].Value, Encoding.UTF8, "application/json"),
        };
        create.Headers.Add("X-Api-Key", AdminKey);
        var created = await http.SendAsync(create);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = (string)(await created.Content.ReadFromJsonAsync<JsonNode>())!["key"]!;

        // What the dashboard sends when the user enters that key, the MRN and the site.
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        var found = await http.GetFromJsonAsync<JsonNode>($"/api/v1/patients?mrn={Uri.EscapeDataString(mrn)}&siteId={Uri.EscapeDataString(site)}");
        var item = Assert.Single(found!["items"]!.AsArray());
        Assert.Equal(mrn, (string?)item!["mrn"]);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/api/v1/patients/{item["id"]}/trends/phq9.svg")).StatusCode);
    }

    // curl -s -X POST $B/api-keys … -d '{"name":"demo clinicians","role":"clinician","siteId":"demo-…"}'
    [GeneratedRegex(@"api-keys[^\n]*-d '(?<body>\{[^'\n]*""role"":""clinician""[^'\n]*demo[^'\n]*\})'")]
    private static partial Regex DemoKeyRequest();

    [GeneratedRegex(@"MRN `(?<mrn>DEMO-\d{4})` at site `(?<site>[a-z0-9-]+)`")]
    private static partial Regex DemoPatient();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_workDir, recursive: true);
    }
}
