using System.Net;
using System.Text.Json.Nodes;
using KetamineOutcomes.Api.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace KetamineOutcomes.Api.Tests.Lists;

/// <summary>
/// A list's nextCursor continues only the request it was issued for (<see cref="ListCursorBinding"/>): read with another
/// patient, filter or list it would start that list part-way through and hide its first rows, so it is a 400 naming
/// cursor; the same request with another limit continues.
/// </summary>
public class ListCursorBindingTests : ApiTest
{
    private string _p = "", _q = "";

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        _p = await CreatePatientAsync(siteId: "north");
        _q = await CreatePatientAsync(siteId: "north");
        foreach (var patient in new[] { _p, _q })
        {
            for (var i = 0; i < 3; i++)
            {
                await InfusionAsync(patient, Day0.AddDays(i * 2));
                await Phq9Async(patient, Day0.AddDays(i * 2 + 1), Phq9Items(12, item9: 2));
                await CreatedAsync($"/api/v1/patients/{patient}/suicidality-checkins", new
                {
                    completedAt = Iso(Day0.AddDays(i * 2 + 1).AddHours(1)), wishToBeDead = false, suicidalThoughts = false, suicidalBehavior = "none",
                });
            }
        }
    }

    // (the first page's request, another request the cursor must not continue)
    public static TheoryData<string, string> Lists => new()
    {
        { "/api/v1/patients/{p}/questionnaires?limit=1", "/api/v1/patients/{q}/questionnaires?limit=1" },
        { "/api/v1/patients/{p}/questionnaires?limit=1&instrument=phq9", "/api/v1/patients/{p}/questionnaires?limit=1" },
        { "/api/v1/patients/{p}/questionnaires?limit=1", "/api/v1/patients/{p}/questionnaires?limit=1&to=2026-12-31T00:00:00Z" },
        { "/api/v1/patients/{p}/suicidality-checkins?limit=1", "/api/v1/patients/{q}/suicidality-checkins?limit=1" },
        { "/api/v1/patients/{p}/infusions?limit=1", "/api/v1/patients/{q}/infusions?limit=1" },
        { "/api/v1/patients/{p}/infusions?limit=1", "/api/v1/patients/{p}/infusions?limit=1&includeEnteredInError=true" },
        { "/api/v1/patients?limit=1&siteId=north", "/api/v1/patients?limit=1" },
        { "/api/v1/safety-alerts?limit=1&status=open", "/api/v1/safety-alerts?limit=1&status=acknowledged" },
        { "/api/v1/safety-alerts?limit=1", "/api/v1/patients/{p}/questionnaires?limit=1" },
    };

    [Theory]
    [MemberData(nameof(Lists))]
    public async Task A_cursor_read_with_another_patient_filter_or_list_is_refused_naming_cursor(string first, string other)
    {
        var cursor = await NextCursorAsync(Fill(first));
        var (status, problem, _) = await SendAsync(HttpMethod.Get, $"{Fill(other)}&cursor={cursor}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["cursor"], ErrorKeys(problem));
        Assert.Contains("same request", (string)problem!["errors"]!["cursor"]![0]!, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Lists))]
    public async Task The_same_request_continues_with_its_cursor_and_another_limit(string first, string other)
    {
        _ = other;
        var cursor = await NextCursorAsync(Fill(first));
        var next = await GetOkAsync($"{Fill(first)}&cursor={cursor}");
        Assert.NotEmpty(next["items"]!.AsArray());
        var wider = await GetOkAsync($"{Fill(first).Replace("limit=1", "limit=2", StringComparison.Ordinal)}&cursor={cursor}");
        Assert.NotEmpty(wider["items"]!.AsArray());
        // The first item after the cursor is the same whatever the page size.
        Assert.Equal(next["items"]![0]!.ToJsonString(), wider["items"]![0]!.ToJsonString());
    }

    [Fact]
    public async Task Another_callers_cursor_is_refused_even_for_the_same_url()
    {
        // A site-bound key's list without siteId is its own site's: the same URL is another list for another key.
        foreach (var site in new[] { "north", "south" })
        {
            for (var i = 0; i < 2; i++) await Phq9Async(await CreatePatientAsync(siteId: site), Day0.AddDays(i), Phq9Items(12, item9: 2));
        }
        using var north = ClientWith(await CreateKeyAsync("clinician", "north"));
        using var south = ClientWith(await CreateKeyAsync("clinician", "south"));
        foreach (var url in new[] { "/api/v1/safety-alerts?limit=1", "/api/v1/patients?limit=1" })
        {
            var page = System.Text.Json.Nodes.JsonNode.Parse(await south.GetStringAsync(url))!;
            var cursor = (string)page["nextCursor"]!;
            var theirs = await north.GetAsync($"{url}&cursor={cursor}");
            Assert.Equal(HttpStatusCode.BadRequest, theirs.StatusCode);
            Assert.Contains("\"cursor\"", await theirs.Content.ReadAsStringAsync(), StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, (await south.GetAsync($"{url}&cursor={cursor}")).StatusCode);
        }
    }

    [Fact]
    public async Task A_cursor_with_its_position_kept_and_binding_altered_is_refused()
    {
        var cursor = await NextCursorAsync($"/api/v1/patients/{_p}/questionnaires?limit=1");
        var dot = cursor.IndexOf('.', StringComparison.Ordinal);
        Assert.Equal(16, dot);
        var altered = (cursor[0] == 'A' ? "B" : "A") + cursor[1..];
        foreach (var bad in new[] { altered, cursor[(dot + 1)..], cursor[..(dot + 1)], "." + cursor })
        {
            var (status, problem, _) = await SendAsync(HttpMethod.Get, $"/api/v1/patients/{_p}/questionnaires?limit=1&cursor={bad}");
            Assert.True(status == HttpStatusCode.BadRequest, bad);
            Assert.Equal(["cursor"], ErrorKeys(problem));
        }
    }

    [Fact]
    public async Task Paging_with_the_cursor_lists_every_record_once()
    {
        var ids = new List<string>();
        string? cursor = null;
        do
        {
            var page = await GetOkAsync($"/api/v1/patients/{_p}/questionnaires?limit=2{(cursor is null ? "" : "&cursor=" + cursor)}");
            ids.AddRange(page["items"]!.AsArray().Select(i => (string)i!["id"]!));
            cursor = (string?)page["nextCursor"];
        } while (cursor is not null);
        var all = (await GetOkAsync($"/api/v1/patients/{_p}/questionnaires?limit=500"))["items"]!.AsArray().Select(i => (string)i!["id"]!);
        Assert.Equal(all, ids);
        Assert.Equal(3, ids.Distinct().Count());
    }

    [Fact]
    public void The_binding_ignores_cursor_limit_parameter_order_and_path_case_and_nothing_else()
    {
        static string Of(string path, string query)
        {
            var context = new DefaultHttpContext();
            context.Request.Path = path;
            context.Request.QueryString = new QueryString(query);
            return ListCursorBinding.Of(context.Request);
        }
        var baseline = Of("/api/v1/patients/abc/questionnaires", "?instrument=phq9&from=2026-01-01T00:00:00Z");
        Assert.Equal(16, baseline.Length);
        Assert.Equal(baseline, Of("/API/v1/Patients/ABC/questionnaires", "?from=2026-01-01T00:00:00Z&instrument=phq9&limit=7&cursor=x"));
        Assert.NotEqual(baseline, Of("/api/v1/patients/abd/questionnaires", "?instrument=phq9&from=2026-01-01T00:00:00Z"));
        Assert.NotEqual(baseline, Of("/api/v1/patients/abc/questionnaires", "?instrument=gad7&from=2026-01-01T00:00:00Z"));
        Assert.NotEqual(baseline, Of("/api/v1/patients/abc/questionnaires", "?instrument=phq9"));
        // Length-prefixed: a value cannot spell another parameter.
        Assert.NotEqual(Of("/x", "?a=1%0Ab%3D2"), Of("/x", "?a=1&b=2"));
    }

    private string Fill(string template) => template.Replace("{p}", _p, StringComparison.Ordinal).Replace("{q}", _q, StringComparison.Ordinal);

    private async Task<string> NextCursorAsync(string url)
    {
        var page = await GetOkAsync(url);
        return (string?)page["nextCursor"] ?? throw new InvalidOperationException($"{url} has one page only: {page.ToJsonString()}");
    }
}
