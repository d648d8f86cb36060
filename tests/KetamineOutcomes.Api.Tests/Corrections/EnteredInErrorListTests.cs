using System.Net;
using System.Text.Json.Nodes;

namespace KetamineOutcomes.Api.Tests.Corrections;

/// <summary>
/// SPEC v2, Corrections: the record lists hide entered-in-error records unless <c>?includeEnteredInError=true</c>
/// (exactly true or false, else a 400 naming it); a read by id shows them.
/// </summary>
public class EnteredInErrorListTests : ApiTest
{
    private async Task<(string Patient, Dictionary<RecordTable, (string Live, string Wrong)> Ids)> PatientWithOneWrongOfEachAsync()
    {
        var patient = await CreatePatientAsync();
        var ids = new Dictionary<RecordTable, (string, string)>();
        async Task<string> Checkin(int day) => (string)(await CreatedAsync($"/api/v1/patients/{patient}/suicidality-checkins", new
        {
            completedAt = Iso(Day0.AddDays(day)), wishToBeDead = false, suicidalThoughts = false, suicidalBehavior = "none",
        }))["id"]!;
        ids[RecordTable.Questionnaires] = ((string)(await Phq9Async(patient, Day0.AddDays(1), Phq9Items(12)))["id"]!,
            (string)(await Phq9Async(patient, Day0.AddDays(2), Phq9Items(14)))["id"]!);
        ids[RecordTable.SuicidalityCheckins] = (await Checkin(1), await Checkin(2));
        ids[RecordTable.Infusions] = ((string)(await InfusionAsync(patient, Day0))["id"]!, (string)(await InfusionAsync(patient, Day0.AddHours(3)))["id"]!);
        foreach (var (table, (_, wrong)) in ids) await EnteredInErrorFixture.MarkAsync(App, table, wrong);
        return (patient, ids);
    }

    private static string PathOf(RecordTable table) => table switch
    {
        RecordTable.Questionnaires => "questionnaires",
        RecordTable.SuicidalityCheckins => "suicidality-checkins",
        _ => "infusions",
    };

    private async Task<string[]> ListedAsync(string patient, RecordTable table, string query = "") =>
        (await GetOkAsync($"/api/v1/patients/{patient}/{PathOf(table)}{query}"))["items"]!.AsArray().Select(i => (string)i!["id"]!).ToArray();

    [Theory]
    [InlineData(RecordTable.Questionnaires)]
    [InlineData(RecordTable.SuicidalityCheckins)]
    [InlineData(RecordTable.Infusions)]
    public async Task A_list_hides_entered_in_error_records_unless_includeEnteredInError_is_true_and_a_read_by_id_shows_them(RecordTable table)
    {
        var (patient, ids) = await PatientWithOneWrongOfEachAsync();
        var (live, wrong) = ids[table];

        Assert.Equal([live], await ListedAsync(patient, table));
        Assert.Equal([live], await ListedAsync(patient, table, "?includeEnteredInError=false"));
        Assert.Equal([live, wrong], await ListedAsync(patient, table, "?includeEnteredInError=true"));
        // Paging walks the included records too, one per page.
        var first = await GetOkAsync($"/api/v1/patients/{patient}/{PathOf(table)}?includeEnteredInError=true&limit=1");
        var second = await GetOkAsync($"/api/v1/patients/{patient}/{PathOf(table)}?includeEnteredInError=true&limit=1&cursor={Uri.EscapeDataString((string)first["nextCursor"]!)}");
        Assert.Equal([live, wrong], new[] { first, second }.Select(p => (string)p["items"]![0]!["id"]!));

        Assert.Equal(wrong, (string)(await GetOkAsync($"/api/v1/patients/{patient}/{PathOf(table)}/{wrong}"))["id"]!);
    }

    [Theory]
    [InlineData("questionnaires", "1")]
    [InlineData("questionnaires", "TRUE")]
    [InlineData("suicidality-checkins", "yes")]
    [InlineData("suicidality-checkins", "")]
    [InlineData("infusions", "true,false")]
    [InlineData("infusions", " true")]
    public async Task IncludeEnteredInError_other_than_exactly_true_or_false_is_a_400_naming_it(string list, string value)
    {
        var patient = await CreatePatientAsync();
        var (status, problem, _) = await SendAsync(HttpMethod.Get, $"/api/v1/patients/{patient}/{list}?includeEnteredInError={Uri.EscapeDataString(value)}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal(["includeEnteredInError"], ErrorKeys(problem));
    }
}
