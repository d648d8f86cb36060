using System.Buffers.Text;
using System.Text;
using Hl7.Fhir.Model;
using KetamineOutcomes.Api.Fhir;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// Patterns end in <c>\z</c>: .NET's <c>$</c> also matches before a final "\n", so "2026\n" would pass for "2026". Each
/// boundary that reads a pattern refuses the value with a final newline and accepts it without. (FHIR ingest's subject
/// reference and positional linkIds: FhirIngestRefusalTests; plan rule ids: MeasurementPlanValidationTests.)
/// </summary>
public class RegexEndAnchorTests
{
    [Theory]
    [InlineData("2026")]
    [InlineData("ge2026-03-02")]
    [InlineData("2026-03-02T10:00:00Z")]
    [InlineData("lt2026-03-02T10:00:00+01:00")]
    public void A_FHIR_date_parameter_is_read_without_a_final_newline_and_refused_with_one(string raw)
    {
        Assert.True(FhirDateParameter.TryParse(raw, out _));
        Assert.False(FhirDateParameter.TryParse(raw + "\n", out _));
    }

    [Fact]
    public void A_LOINC_answer_code_without_a_system_is_recognised_only_without_a_final_newline()
    {
        Assert.True(FhirAnswers.IsLoinc(new Coding(null, "LA6568-5")));
        Assert.False(FhirAnswers.IsLoinc(new Coding(null, "LA6568-5\n")));
    }

    [Fact]
    public void A_FHIR_cursor_with_a_final_newline_is_not_one_this_service_issued()
    {
        var issued = new FhirCursor(false, new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero), "abc").Encode();
        Assert.NotNull(FhirCursor.TryDecode(issued));
        var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(issued));
        Assert.Null(FhirCursor.TryDecode(Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text + "\n"))));
    }
}
