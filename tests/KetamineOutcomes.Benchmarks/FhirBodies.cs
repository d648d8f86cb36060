using System.Text;

namespace KetamineOutcomes.Benchmarks;

/// <summary>
/// A LOINC-coded PHQ-9 QuestionnaireResponse of about 2 KB, shaped like HL7's and LHC-Forms' examples (LOINC linkIds,
/// question text, answer codings with display, the total and the difficulty item): what an EHR posts to /fhir/r4.
/// </summary>
internal static class FhirBodies
{
    private static readonly (string Code, string Text)[] Questions =
    [
        ("44250-9", "Little interest or pleasure in doing things"),
        ("44255-8", "Feeling down, depressed, or hopeless"),
        ("44259-0", "Trouble falling or staying asleep, or sleeping too much"),
        ("44254-1", "Feeling tired or having little energy"),
        ("44251-7", "Poor appetite or overeating"),
        ("44258-2", "Feeling bad about yourself-or that you are a failure or have let yourself or your family down"),
        ("44252-5", "Trouble concentrating on things, such as reading the newspaper or watching television"),
        ("44253-3", "Moving or speaking so slowly that other people could have noticed. Or the opposite"),
        ("44260-8", "Thoughts that you would be better off dead, or of hurting yourself in some way"),
    ];

    private static readonly (string Code, string Display)[] Frequency =
        [("LA6568-5", "Not at all"), ("LA6569-3", "Several days"), ("LA6570-1", "More than half the days"), ("LA6571-9", "Nearly every day")];

    /// <summary>The same answers as the JSON submission (2,2,1,2,1,1,2,1,0; difficulty 1; total 12) for <paramref name="patient"/>.</summary>
    public static string Phq9(Guid patient)
    {
        int[] answers = [2, 2, 1, 2, 1, 1, 2, 1, 0];
        var sb = new StringBuilder();
        sb.Append("""{"resourceType":"QuestionnaireResponse","questionnaire":"http://loinc.org/q/44249-1","status":"completed",""");
        sb.Append("\"subject\":{\"reference\":\"Patient/").Append(patient).Append("\"},\"authored\":\"2026-03-02T09:00:00Z\",\"item\":[");
        for (var i = 0; i < Questions.Length; i++)
        {
            var (code, display) = Frequency[answers[i]];
            sb.Append("{\"linkId\":\"/").Append(Questions[i].Code).Append("\",\"text\":\"").Append(Questions[i].Text)
              .Append("\",\"answer\":[{\"valueCoding\":{\"system\":\"http://loinc.org\",\"code\":\"").Append(code)
              .Append("\",\"display\":\"").Append(display).Append("\"}}]},");
        }
        sb.Append("""{"linkId":"/44261-6","text":"Patient Health Questionnaire 9 item (PHQ-9) total score","answer":[{"valueInteger":12}]},""");
        sb.Append("""{"linkId":"/69722-7","text":"How difficult have these problems made it for you to do your work, take care of things at home, or get along with other people?","answer":[{"valueCoding":{"system":"http://loinc.org","code":"LA6573-5","display":"Somewhat difficult"}}]}]}""");
        return sb.ToString();
    }
}
