using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Dapper;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// SPEC v2 Boundaries, identifiers: <c>mrn</c>, <c>siteId</c> and key <c>name</c> are NFC-normalised; control,
/// format (zero-width, bidi) and the other refused characters are a 400 naming the field, the character and its index.
/// </summary>
public class IdentifierTextTests : ApiTest
{
    /// <summary>Each refused class, where it was seen or could hide: value sent, refused code point, what the message calls it, index.</summary>
    private static readonly (string Value, int CodePoint, string Called, int Index)[] RefusedValues =
    [
        ("MRN-0042\u200B", 0x200B, "ZERO WIDTH SPACE (format character, Cf)", 8), // seen: a second patient with the same visible MRN
        ("\u202E2400-NRM", 0x202E, "RIGHT-TO-LEFT OVERRIDE (format character, Cf)", 0), // seen: displays as MRN-0042
        ("MRN-\u20660042\u2069", 0x2066, "LEFT-TO-RIGHT ISOLATE (format character, Cf)", 4),
        ("MRN-0042\u2069", 0x2069, "POP DIRECTIONAL ISOLATE (format character, Cf)", 8),
        ("\uFEFFMRN-0042", 0xFEFF, "ZERO WIDTH NO-BREAK SPACE (format character, Cf)", 0),
        ("MRN-\u00AD0042", 0x00AD, "SOFT HYPHEN (format character, Cf)", 4),
        ("MRN-\u00000042", 0x0000, "NULL (control character, Cc)", 4),
        ("MRN-0042\u0085", 0x0085, "NEXT LINE (control character, Cc)", 8),
        ("MRN-\u001B0042", 0x001B, "ESCAPE (control character, Cc)", 4),
        ("MRN-\u20280042", 0x2028, "LINE SEPARATOR (line separator, Zl)", 4),
        ("MRN-\u03780042", 0x0378, "(unassigned code point, Cn)", 4),
        ("\U0001F600\u200B", 0x200B, "ZERO WIDTH SPACE", 1), // the index counts code points: the emoji is one
        // Invisible without being Cf (a break-it pass made look-alike patients with each): fillers, joiners, selectors, blanks.
        ("MRN-0042\u3164", 0x3164, "(invisible character", 8),
        ("MRN-0042\u034F", 0x034F, "(invisible character", 8),
        ("MRN-0042\uFE0F", 0xFE0F, "(invisible character", 8),
        ("MRN-0042\u2800", 0x2800, "(invisible character", 8),
        ("MRN-0042\uE000", 0xE000, "(private-use character, Co)", 8),
        ("MRN-0042\uFFFD", 0xFFFD, "(replacement character", 8),
        ("MRN-0042\u00A0", 0x00A0, "(white space at the start or end)", 8), // refused, not trimmed away unseen
        (" MRN-0042", 0x0020, "(white space at the start or end)", 0),
    ];

    private static void AssertNamesTheCharacter(JsonNode? problem, string field, (string Value, int CodePoint, string Called, int Index) c)
    {
        Assert.Equal([field], ErrorKeys(problem));
        var message = (string)problem!["errors"]![field]![0]!;
        var expected = string.Create(CultureInfo.InvariantCulture, $"U+{c.CodePoint:X4}");
        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.Contains(c.Called, message, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"at index {c.Index}"), message, StringComparison.Ordinal);
    }

    private async Task<long> CountAsync(string table)
    {
        await using var c = await App.OpenConnectionAsync();
        return await c.ExecuteScalarAsync<long>($"SELECT COUNT(*) FROM {table}");
    }

    [Theory]
    [InlineData("patients", "mrn")]
    [InlineData("patients", "siteId")]
    [InlineData("api-keys", "name")]
    [InlineData("api-keys", "siteId")]
    public async Task Refused_character_in_an_identifier_field_is_a_400_naming_the_field_character_and_index_and_nothing_is_stored(string resource, string field)
    {
        var table = resource == "patients" ? "patients" : "api_keys";
        var before = await CountAsync(table);
        foreach (var c in RefusedValues)
        {
            var body = resource == "patients"
                ? new JsonObject { ["mrn"] = "MRN-1", ["siteId"] = "north", ["researchConsent"] = true }
                : new JsonObject { ["name"] = "north portal", ["role"] = "portal", ["siteId"] = "north" };
            body[field] = c.Value;
            var client = resource == "patients" ? Client : Admin;
            var response = await client.PostAsync($"/api/v1/{resource}", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
            var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync());
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"U+{c.CodePoint:X4}: {(int)response.StatusCode} {problem?.ToJsonString()}");
            AssertNamesTheCharacter(problem, field, c);
        }
        Assert.Equal(before, await CountAsync(table));
    }

    [Fact]
    public async Task Escaped_unpaired_surrogate_in_an_MRN_is_a_400_naming_the_field_never_a_500()
    {
        var (status, problem, _) = await PostAsync("/api/v1/patients", """{"mrn":"MRN-\ud800","siteId":"north","researchConsent":true}""");
        Assert.True(status == HttpStatusCode.BadRequest, problem?.ToJsonString());
        Assert.Equal(["mrn"], ErrorKeys(problem));
        Assert.Equal(0, await CountAsync("patients"));
    }

    [Theory]
    [InlineData("clinician", "/api/v1/patients?", "mrn")]
    [InlineData("clinician", "/api/v1/patients?", "siteId")]
    [InlineData("clinician", "/api/v1/safety-alerts?", "siteId")]
    [InlineData("researcher", "/api/v1/research/summary?instrument=phq9&", "siteId")]
    public async Task Refused_character_in_an_identifier_query_parameter_is_a_400_naming_the_parameter_character_and_index(string role, string path, string parameter)
    {
        using var client = ClientWith(await CreateKeyAsync(role));
        foreach (var c in RefusedValues)
        {
            var response = await client.GetAsync($"{path}{parameter}={Uri.EscapeDataString(c.Value)}");
            var problem = JsonNode.Parse(await response.Content.ReadAsStringAsync());
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"U+{c.CodePoint:X4}: {(int)response.StatusCode} {problem?.ToJsonString()}");
            AssertNamesTheCharacter(problem, parameter, c);
        }
    }

    // "MRN-0042-É" with É precomposed (U+00C9, NFC) and decomposed (U+0045 U+0301, NFD).
    private const string Nfc = "MRN-0042-\u00C9", Nfd = "MRN-0042-E\u0301";

    [Theory]
    [InlineData(Nfd, Nfc)]
    [InlineData(Nfc, Nfd)]
    public async Task Same_MRN_in_NFC_and_NFD_in_one_site_is_one_MRN_so_the_second_is_a_409(string first, string second)
    {
        var created = await CreatedAsync("/api/v1/patients", new { mrn = first, siteId = "north", researchConsent = true });
        Assert.Equal(Nfc, (string)created["mrn"]!);
        var (status, problem, _) = await PostAsync("/api/v1/patients", new { mrn = second, siteId = "north", researchConsent = true });
        Assert.True(status == HttpStatusCode.Conflict, problem?.ToJsonString());
        Assert.Equal(1, await CountAsync("patients"));
        await using var c = await App.OpenConnectionAsync();
        Assert.Equal(Nfc, await c.ExecuteScalarAsync<string>("SELECT mrn FROM patients"));
    }

    [Theory]
    [InlineData(Nfd, Nfc)]
    [InlineData(Nfd, Nfd)]
    [InlineData(Nfc, Nfd)]
    [InlineData(Nfc, Nfc)]
    public async Task Patient_is_found_by_MRN_whichever_normalisation_form_the_lookup_sends(string registeredAs, string lookedUpAs)
    {
        var id = await CreatePatientAsync(registeredAs);
        foreach (var query in new[] { $"mrn={Uri.EscapeDataString(lookedUpAs)}", $"mrn={Uri.EscapeDataString(lookedUpAs)}&siteId=north" })
        {
            var items = (await GetOkAsync($"/api/v1/patients?{query}"))["items"]!.AsArray();
            Assert.Equal([id], items.Select(p => (string)p!["id"]!));
            Assert.Equal(Nfc, (string)items[0]!["mrn"]!);
        }
    }

    [Fact]
    public async Task Api_key_name_is_stored_and_listed_in_NFC()
    {
        var response = await Admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "Cre\u0301teil portal", role = "portal", siteId = "north" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("Cr\u00E9teil portal", (string)(await response.Content.ReadFromJsonAsync<JsonNode>())!["name"]!);
        var listed = (await Admin.GetFromJsonAsync<JsonNode>("/api/v1/api-keys"))!["items"]!.AsArray();
        Assert.Contains("Cr\u00E9teil portal", listed.Select(k => (string)k!["name"]!));
    }

    [Fact]
    public async Task Same_visible_MRN_in_two_sites_is_still_two_patients()
    {
        await CreatePatientAsync(Nfd, "north");
        await CreatePatientAsync(Nfc, "south");
        Assert.Equal(2, (await GetOkAsync($"/api/v1/patients?mrn={Uri.EscapeDataString(Nfc)}"))["items"]!.AsArray().Count);
    }
}
