#nullable disable warnings // Firely POCOs are loosely annotated.
using System.Text;
using Hl7.Fhir.Model;
using KetamineOutcomes.Api.Fhir;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Timepoints;
using KetamineOutcomes.Data.Stores;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Task = System.Threading.Tasks.Task;

namespace KetamineOutcomes.Api.Tests.Fhir;

/// <summary>
/// FHIR answers are written as UTF-8 into pooled memory (issue 24): status, Content-Type, Content-Length and every body
/// byte must equal what the previous writer — Firely's System.Text.Json serialisation to a string, sent by
/// <c>Results.Text</c> — gave for the same resource.
/// </summary>
public class FhirJsonWriterTests
{
    private static readonly DateTimeOffset Start = new(2025, 1, 6, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Searchset_with_paging_links_is_byte_for_byte_the_previous_answer()
    {
        var patient = Guid.NewGuid();
        var timeline = new InfusionTimeline(Enumerable.Range(0, 6).Select(i => new InfusionMoment(Guid.NewGuid(), Start.AddDays(i * 2.5))));
        var records = Enumerable.Range(0, 40).Select(q => new QuestionnaireRecord(Guid.CreateVersion7(), patient, q % 5 == 4 ? Instrument.Gad7 : Instrument.Phq9,
            Start.AddDays(q * 1.7 - 2), q % 5 == 4 ? [1, 2, 1, 0, 3, 1, 1] : [1, 1, 2, 1, 3, 1, 1, null, q % 2], null, "bench", 9, Severity.Mild, q % 3 == 0, Start)).ToList();
        var entries = records.SelectMany(r => FhirMapping.Observations(r, timeline)).ToList();
        var http = new DefaultHttpContext();
        http.Request.QueryString = new QueryString($"?patient=Patient/{patient}&code=http://loinc.org|44261-6,44260-8&_count=50&_sort=-date");
        var query = FhirSearchQuery.Read(http.Request, "Observation", FhirEndpoints.ObservationParameters);
        query.All("patient");
        query.All("code");
        var paging = FhirPaging.Read(query, "date");
        var (total, page, next) = paging.Apply(entries, e => e.Effective, e => e.Id);
        Assert.NotNull(next);
        var bundle = FhirSearchset.Create("https://clinic.example/fhir/r4", "Observation", query, total, page.Select(e => (Resource)e.Build()), next, paging.Count);
        Assert.Equal(["self", "next"], bundle.Link.Select(l => l.Relation));
        Assert.Equal(50, bundle.Entry.Count);

        await AssertSameAnswerAsync(bundle, StatusCodes.Status200OK);
    }

    [Fact]
    public async Task OperationOutcome_is_byte_for_byte_the_previous_answer()
    {
        // Text a JSON encoder escapes (markup, quotes, non-ASCII, a control character) so both must escape it alike.
        var outcome = new OperationOutcome();
        outcome.Issue.Add(new OperationOutcome.IssueComponent
        {
            Severity = OperationOutcome.IssueSeverity.Error,
            Code = OperationOutcome.IssueType.Invalid,
            Diagnostics = "Must be <\"completed\"> & 'amended' — é, ü, 日本, 😀, tab\there",
            Expression = ["QuestionnaireResponse.item[0].answer[0].value"],
            Details = new CodeableConcept { Text = "traceId 0HN:00000001" },
        });
        await AssertSameAnswerAsync(outcome, StatusCodes.Status422UnprocessableEntity);
    }

    private static async Task AssertSameAnswerAsync(Resource resource, int status)
    {
        var previous = await ExecuteAsync(Results.Text(FhirJson.Serialize(resource), FhirJson.ContentType, Encoding.UTF8, status));
        var current = await ExecuteAsync(FhirJson.Result(resource, status));
        Assert.Equal(status, current.Status);
        Assert.Equal(previous.Status, current.Status);
        Assert.Equal(previous.ContentType, current.ContentType);
        Assert.Equal(previous.ContentLength, current.ContentLength);
        Assert.Equal(current.Body.Length, current.ContentLength);
        Assert.Equal(Encoding.UTF8.GetString(previous.Body), Encoding.UTF8.GetString(current.Body));
        Assert.True(previous.Body.AsSpan().SequenceEqual(current.Body));
    }

    private static async Task<(int Status, string ContentType, long? ContentLength, byte[] Body)> ExecuteAsync(IResult result)
    {
        var http = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        using var body = new MemoryStream();
        http.Response.Body = body;
        await result.ExecuteAsync(http);
        return (http.Response.StatusCode, http.Response.ContentType, http.Response.ContentLength, body.ToArray());
    }
}
