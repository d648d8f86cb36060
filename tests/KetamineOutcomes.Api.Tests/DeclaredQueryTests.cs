using System.Net;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using KetamineOutcomes.Api.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// Every <c>/api/v1</c> endpoint refuses a query parameter its handler does not read (SPEC v2 Boundaries), naming it —
/// a misspelt filter never answers as if it were absent. What each endpoint reads is derived from its handler, and must
/// equal what the OpenAPI document (the framework's own binding) says it reads.
/// </summary>
public sealed partial class DeclaredQueryTests : ApiTest
{
    private RouteEndpoint[] ApiEndpoints() =>
        App.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText!.StartsWith("/api/v1/", StringComparison.Ordinal)).ToArray();

    [Fact]
    public void Every_api_endpoint_reads_exactly_the_query_parameters_its_OpenAPI_operation_lists()
    {
        var document = JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Root, "openapi", "v1.json")))!;
        var endpoints = ApiEndpoints();
        Assert.True(endpoints.Length > 40, $"{endpoints.Length} endpoints under /api/v1");
        foreach (var e in endpoints)
        {
            var method = e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Single();
            var path = OpenApiPath(e.RoutePattern.RawText!);
            var operation = document["paths"]![path]?[method.ToLowerInvariant()];
            Assert.True(operation is not null, $"{method} {path} is not in openapi/v1.json");
            var listed = (operation!["parameters"]?.AsArray() ?? []).Where(p => (string)p!["in"]! == "query").Select(p => (string)p!["name"]!).ToArray();
            var handler = e.Metadata.GetMetadata<MethodInfo>();
            Assert.True(handler is not null, $"{method} {path} has no handler method in its metadata");
            Assert.True(listed.SequenceEqual(DeclaredQuery.NamesOf(handler!, e.RoutePattern)),
                $"{method} {path}: OpenAPI lists [{string.Join(", ", listed)}], the handler reads [{string.Join(", ", DeclaredQuery.NamesOf(handler!, e.RoutePattern))}]");
        }
    }

    [Fact]
    public async Task Every_api_route_refuses_a_parameter_it_does_not_read_with_a_400_naming_it()
    {
        var patient = await CreatePatientAsync();
        var keys = new Dictionary<string, string>();
        var failures = new List<string>();
        foreach (var ((method, pattern), allowed) in RoleMatrixTests.Spec.Where(r => r.Key.Pattern.StartsWith("/api/v1/", StringComparison.Ordinal)))
        {
            var role = allowed.Split(',')[0];
            if (!keys.TryGetValue(role, out var key)) keys[role] = key = await CreateKeyAsync(role);
            var url = Regex.Replace(pattern, @"\{(\w+)(:[^}]*)?\}", m => m.Groups[1].Value switch
            {
                "patientId" => patient,
                "id" when pattern.StartsWith("/api/v1/patients/", StringComparison.Ordinal) => patient,
                "siteId" => "north",
                "instrument" => "phq9",
                _ => Guid.NewGuid().ToString(),
            });
            using var client = ClientWith(key);
            using var request = new HttpRequestMessage(new HttpMethod(method), url + "?undeclaredFilter=1");
            if (method is "POST" or "PUT") request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != HttpStatusCode.BadRequest || !ErrorKeys(JsonNode.Parse(text)).Contains("undeclaredFilter"))
                failures.Add($"{method} {url}?undeclaredFilter=1 as {role} → {(int)response.StatusCode} {text[..Math.Min(200, text.Length)]}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Theory]
    [InlineData("/api/v1/patients/{p}/questionnaires?includeEnteredInErorr=true", "includeEnteredInErorr", "Not a parameter of this request: it reads instrument, from, to, limit, cursor, includeEnteredInError.")]
    [InlineData("/api/v1/patients/{p}/trends?Instrument=gad7", "Instrument", "Not a parameter of this request: it reads instrument.")]
    [InlineData("/api/v1/patients/{p}?verbose=1", "verbose", "This request reads no query parameters.")]
    [InlineData("/api/v1/patients/{p}/due?at=2026-03-02T09:00:00Z&AT=2026-03-02T09:00:00Z", "AT", "Not a parameter of this request: it reads at.")]
    [InlineData("/api/v1/patients/{p}/due?AT=2026-03-02T09:00:00Z&at=2026-03-02T09:00:00Z", "AT", "Not a parameter of this request: it reads at.")]
    [InlineData("/api/v1/response-watch?siteId=north&SiteId=north", "SiteId", "Not a parameter of this request: it reads siteId, instrument, limit, cursor.")]
    public async Task A_misspelt_or_wrongly_cased_parameter_is_refused_with_what_the_request_reads(string template, string field, string message)
    {
        var patient = await CreatePatientAsync();
        var (status, body, _) = await SendAsync(HttpMethod.Get, template.Replace("{p}", patient, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal([field], ErrorKeys(body));
        Assert.Equal(message, (string)body!["errors"]![field]![0]!);
    }

    [Fact]
    public async Task The_parameters_a_request_reads_are_still_read()
    {
        var patient = await CreatePatientAsync();
        await Phq9Async(patient, Day0, 1, 1, 1, 1, 1, 1, 1, 1, 0);
        var list = await GetOkAsync($"/api/v1/patients/{patient}/questionnaires?instrument=phq9&includeEnteredInError=true&limit=5");
        Assert.Single(list["items"]!.AsArray());
        var trend = await GetOkAsync($"/api/v1/patients/{patient}/trends?instrument=gad7");
        Assert.Equal("gad7", (string)trend["instrument"]!);
    }

    // "/api/v1/patients/{id:guid}/" → "/api/v1/patients/{id}", as the OpenAPI document writes paths.
    private static string OpenApiPath(string pattern)
    {
        var path = RouteParameter().Replace(pattern, "{$1}");
        return path.Length > 1 ? path.TrimEnd('/') : path;
    }

    [GeneratedRegex(@"\{(\w+)(:[^}]*)?\}")]
    private static partial Regex RouteParameter();
}
