using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Submissions;

/// <summary>
/// A submission's record and the alert it raises, built — scored, ids and creation time chosen — and not yet stored
/// (<see cref="SubmissionWriter.PrepareQuestionnaire"/>, <see cref="SubmissionWriter.PrepareCheckin"/>): what an answer can be
/// built from before the write, since the write stores exactly this.
/// </summary>
internal abstract record PreparedSubmission(SafetyAlertRecord? Alert)
{
    /// <summary>The id the record will be stored under.</summary>
    public abstract Guid Id { get; }
}

/// <summary>A PHQ-9 or GAD-7 record and its alert (PHQ-9 item 9), not yet stored.</summary>
internal sealed record PreparedQuestionnaire(QuestionnaireRecord Record, SafetyAlertRecord? Alert) : PreparedSubmission(Alert)
{
    public override Guid Id => Record.Id;
}

/// <summary>A C-SSRS check-in record and its alert, not yet stored.</summary>
internal sealed record PreparedCheckin(CheckinRecord Record, SafetyAlertRecord? Alert) : PreparedSubmission(Alert)
{
    public override Guid Id => Record.Id;
}
