using KetamineOutcomes.Core.Plans;

namespace KetamineOutcomes.Core.Tests.Plans;

/// <summary>SPEC v2, Measurement plans: the assessment.due event id is stable per occurrence (patient, rule, dueAt).</summary>
public class OccurrenceEventIdTests
{
    private static readonly Guid Patient = Guid.Parse("0195a3c1-0000-7000-8000-000000000001");
    private static readonly DateTimeOffset DueAt = new(2026, 3, 3, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_same_occurrence_gets_the_same_id_whatever_offset_its_dueAt_is_written_in()
    {
        Assert.Equal(OccurrenceEventId.For(Patient, "after-infusion-phq9", DueAt),
            OccurrenceEventId.For(Patient, "after-infusion-phq9", DueAt.ToOffset(TimeSpan.FromHours(-5))));
    }

    [Fact]
    public void Another_patient_rule_or_dueAt_gets_another_id()
    {
        var ids = new[]
        {
            OccurrenceEventId.For(Patient, "after-infusion-phq9", DueAt),
            OccurrenceEventId.For(Guid.Parse("0195a3c1-0000-7000-8000-000000000002"), "after-infusion-phq9", DueAt),
            OccurrenceEventId.For(Patient, "interval-phq9", DueAt),
            OccurrenceEventId.For(Patient, "after-infusion-phq9", DueAt.AddTicks(10)),
        };
        Assert.Equal(ids.Length, ids.Distinct().Count());
    }

    [Fact]
    public void The_id_is_an_RFC_9562_version_8_uuid()
    {
        var text = OccurrenceEventId.For(Patient, "enrolment-phq9", DueAt).ToString();
        Assert.Equal('8', text[14]);
        Assert.Contains(text[19], "89ab");
    }
}
