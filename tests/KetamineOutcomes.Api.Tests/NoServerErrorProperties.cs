using System.Globalization;
using System.Text;
using CsCheck;

namespace KetamineOutcomes.Api.Tests;

/// <summary>No body a client can construct makes a creating endpoint answer 5xx.</summary>
public class NoServerErrorProperties : ApiTest
{
    private static readonly Gen<string> Scalar = Gen.OneOf(
        Gen.Const("null"), Gen.Const("true"), Gen.Const("false"), Gen.Const("1e400"), Gen.Const("-0"), Gen.Const("9223372036854775808"),
        Gen.Int[-5, 30].Select(i => i.ToString(CultureInfo.InvariantCulture)),
        Gen.Double[-1e6, 1e6].Select(d => d.ToString("R", CultureInfo.InvariantCulture)),
        Gen.OneOf("\"phq9\"", "\"gad7\"", "\"iv\"", "\"ketamine\"", "\"none\"", "\"2026-03-02T09:00:00Z\"", "\"0001-01-01T00:00:00Z\"",
            "\"9999-12-31T23:59:59Z\"", "\"2026-03-02T09:00:00\"", "\"\"", "\"\\u0000\"", "\"é😀\"", "\"within-3-months\""));

    private static readonly Gen<string> Value = Gen.OneOf(
        Scalar,
        Scalar.Array[0, 12].Select(a => "[" + string.Join(",", a) + "]"),
        Scalar.Array[0, 3].Select(a => "{\"x\":" + (a.Length > 0 ? a[0] : "1") + "}"));

    private static readonly string[] Fields =
    [
        "instrument", "completedAt", "items", "difficulty", "source", "administeredAt", "route", "drug", "doseMg", "doseMgPerKg",
        "durationMinutes", "bloodPressure", "sideEffects", "notes", "wishToBeDead", "suicidalThoughts", "thoughtsOfMethod", "intent",
        "plan", "suicidalBehavior", "mrn", "siteId", "birthYear", "sex", "diagnoses", "researchConsent",
    ];

    private static readonly Gen<string> Body = Gen.Select(Gen.Int[0, Fields.Length - 1], Value).Array[0, 10].Select(pairs =>
    {
        var sb = new StringBuilder("{");
        sb.AppendJoin(",", pairs.Select(p => $"\"{Fields[p.Item1]}\":{p.Item2}"));
        return sb.Append('}').ToString();
    });

    [Fact]
    public async Task Random_bodies_never_get_a_5xx()
    {
        var patient = await CreatePatientAsync();
        var urls = new[]
        {
            "/api/v1/patients", $"/api/v1/patients/{patient}/infusions", $"/api/v1/patients/{patient}/questionnaires",
            $"/api/v1/patients/{patient}/suicidality-checkins", "/fhir/r4/QuestionnaireResponse",
        };
        await Gen.Select(Gen.Int[0, urls.Length - 1], Body).SampleAsync(async t =>
        {
            var (u, body) = t;
            var (status, _, _) = await PostAsync(urls[u], body);
            return (int)status < 500;
        }, iter: 1500, threads: 1);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, $"/api/v1/patients/{patient}/trends")).Status);
    }

    private static readonly Gen<string> QueryValue = Gen.OneOf(
        Gen.OneOf("", "0", "-1", "501", "50", "phq9", "gad7", "x", "2026-03-02T09:00:00Z", "2026-03-02T09:00:00+01:00", "2026-13-45T99:00:00Z",
            "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "fDAxYTIw", "%00", "%FF", "null", "1e9"),
        Gen.String[0, 20]).Select(Uri.EscapeDataString);

    private static readonly string[] QueryNames = ["limit", "cursor", "from", "to", "instrument", "mrn", "siteId", "date", "code", "_count", "_offset", "_sort", "_id", "patient", "_cursor", "category", "_format"];

    [Fact]
    public async Task Random_query_strings_never_get_a_5xx()
    {
        var patient = await CreatePatientAsync();
        await Phq9Async(patient, Day0, Phq9Items(12));
        var paths = new[]
        {
            "/api/v1/patients", $"/api/v1/patients/{patient}/infusions", $"/api/v1/patients/{patient}/questionnaires",
            $"/api/v1/patients/{patient}/suicidality-checkins", $"/api/v1/patients/{patient}/trends",
            $"/fhir/r4/Observation?patient={patient}", "/fhir/r4/QuestionnaireResponse",
        };
        var query = Gen.Select(Gen.Int[0, QueryNames.Length - 1], QueryValue).Array[0, 4]
            .Select(ps => string.Join("&", ps.Select(p => $"{QueryNames[p.Item1]}={p.Item2}")));
        await Gen.Select(Gen.Int[0, paths.Length - 1], query).SampleAsync(async t =>
        {
            var path = paths[t.Item1];
            var (status, _, _) = await SendAsync(HttpMethod.Get, $"{path}{(path.Contains('?', StringComparison.Ordinal) ? '&' : '?')}{t.Item2}");
            return (int)status < 500;
        }, iter: 1000, threads: 1);
    }
}
