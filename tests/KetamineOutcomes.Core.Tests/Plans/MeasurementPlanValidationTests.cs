using KetamineOutcomes.Core.Plans;

namespace KetamineOutcomes.Core.Tests.Plans;

public class MeasurementPlanValidationTests
{
    private static PlanRuleDraft Enrolment(string id = "enrol", int? windowDays = 7) => new(id, PlanInstrument.Phq9, RuleAnchor.Enrolment, WindowDays: windowDays);
    private static PlanRuleDraft After(string id = "after", int? offset = 24, int? window = 24, int[]? sessions = null) =>
        new(id, PlanInstrument.Phq9, RuleAnchor.AfterInfusion, OffsetHours: offset, WindowHours: window, Sessions: sessions);
    private static PlanRuleDraft Interval(string id = "every", int? every = 14, PlanPhase? phase = PlanPhase.Any, int? window = 3) =>
        new(id, PlanInstrument.Cssrs, RuleAnchor.Interval, WindowDays: window, EveryDays: every, Phase: phase);

    private static IReadOnlyDictionary<string, string[]> Refused(params PlanRuleDraft?[]? rules) =>
        Assert.Throws<ClinicalValidationException>(() => MeasurementPlanValidation.Parse(rules)).Errors;

    [Fact]
    public void Default_plan_written_as_drafts_parses_back_to_itself()
    {
        var drafts = new PlanRuleDraft[]
        {
            new("enrolment-phq9", PlanInstrument.Phq9, RuleAnchor.Enrolment, WindowDays: 7),
            new("enrolment-gad7", PlanInstrument.Gad7, RuleAnchor.Enrolment, WindowDays: 7),
            new("enrolment-cssrs", PlanInstrument.Cssrs, RuleAnchor.Enrolment, WindowDays: 7),
            new("after-infusion-phq9", PlanInstrument.Phq9, RuleAnchor.AfterInfusion, OffsetHours: 24, WindowHours: 24, Sessions: [6, 5, 4, 3, 2, 1]),
            new("interval-phq9", PlanInstrument.Phq9, RuleAnchor.Interval, WindowDays: 3, EveryDays: 14, Phase: PlanPhase.Any),
            new("interval-cssrs", PlanInstrument.Cssrs, RuleAnchor.Interval, WindowDays: 3, EveryDays: 14, Phase: PlanPhase.Any),
        };
        var rules = MeasurementPlanValidation.Parse(drafts);
        Assert.Equal(MeasurementPlan.Default.Rules.Count, rules.Count);
        for (var i = 0; i < rules.Count; i++)
        {
            if (rules[i] is AfterInfusionRule a)
            {
                var expected = (AfterInfusionRule)MeasurementPlan.Default.Rules[i];
                Assert.Equal(expected.Sessions, a.Sessions); // kept in ascending order
                Assert.Equal(expected with { Sessions = null }, a with { Sessions = null });
            }
            else Assert.Equal(MeasurementPlan.Default.Rules[i], rules[i]);
        }
    }

    [Theory]
    // the bounds: windowDays 1–90, everyDays 1–365, offsetHours 0–720, windowHours 1–720
    [InlineData("windowDays", 0, false)]
    [InlineData("windowDays", 1, true)]
    [InlineData("windowDays", 90, true)]
    [InlineData("windowDays", 91, false)]
    [InlineData("everyDays", 0, false)]
    [InlineData("everyDays", 365, true)]
    [InlineData("everyDays", 366, false)]
    [InlineData("offsetHours", -1, false)]
    [InlineData("offsetHours", 0, true)]
    [InlineData("offsetHours", 720, true)]
    [InlineData("offsetHours", 721, false)]
    [InlineData("windowHours", 0, false)]
    [InlineData("windowHours", 720, true)]
    [InlineData("windowHours", 721, false)]
    public void Numbers_are_refused_outside_their_bounds_by_field(string field, int value, bool accepted)
    {
        var draft = field switch
        {
            "windowDays" => Interval(window: value),
            "everyDays" => Interval(every: value),
            "offsetHours" => After(offset: value),
            _ => After(window: value),
        };
        if (accepted) Assert.Equal(2, MeasurementPlanValidation.Parse([Enrolment(), draft]).Count);
        else Assert.Equal([$"rules[1].{field}"], Refused(Enrolment(), draft).Keys);
    }

    [Fact]
    public void Missing_fields_are_named_each()
    {
        var errors = Refused(new PlanRuleDraft(null, null, RuleAnchor.Interval), null, new PlanRuleDraft("x", PlanInstrument.Gad7, null));
        Assert.Equal(
            ["rules[0].id", "rules[0].instrument", "rules[0].everyDays", "rules[0].phase", "rules[0].windowDays", "rules[1]", "rules[2].anchor"],
            errors.Keys);
        Assert.All(errors.Values, v => Assert.Equal(["Required."], v));
    }

    [Fact]
    public void Without_a_known_anchor_every_field_sent_is_still_held_to_its_range()
    {
        var errors = Refused(new PlanRuleDraft("a", PlanInstrument.Phq9, null, WindowDays: 0, OffsetHours: -1, WindowHours: 0,
            Sessions: [0], EveryDays: 0, Phase: null));
        Assert.Equal(["rules[0].anchor", "rules[0].windowDays", "rules[0].offsetHours", "rules[0].windowHours", "rules[0].everyDays", "rules[0].sessions[0]"],
            errors.Keys);
        Assert.Equal(["Must be an integer 1–90."], errors["rules[0].windowDays"]);
    }

    [Fact]
    public void Fields_of_another_anchor_are_refused_not_ignored()
    {
        var errors = Refused(
            Enrolment() with { EveryDays = 7, Sessions = [1] },
            After() with { WindowDays = 2, Phase = PlanPhase.Any },
            Interval() with { OffsetHours = 1, WindowHours = 2 });
        Assert.Equal(["rules[0].sessions", "rules[0].everyDays", "rules[1].windowDays", "rules[1].phase", "rules[2].offsetHours", "rules[2].windowHours"], errors.Keys);
        Assert.Equal(["Not a field of an enrolment rule."], errors["rules[0].sessions"]);
        Assert.Equal(["Not a field of an after-infusion rule."], errors["rules[1].phase"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-lead")]
    [InlineData("Upper")]
    [InlineData("with space")]
    [InlineData("under_score")]
    [InlineData("a23456789012345678901234567890123456789012")] // 41 characters
    [InlineData("a\n")] // "$" would match before a final newline: "a\n" and "a" would both be stored
    [InlineData("a234567890123456789012345678901234567890\n")] // 40 characters, then a newline
    public void Ids_that_are_not_tokens_are_refused(string id) =>
        Assert.Equal(["rules[0].id"], Refused(Enrolment(id)).Keys);

    [Fact]
    public void Ids_must_be_unique_and_the_error_names_the_first_holder()
    {
        var errors = Refused(Enrolment("a"), After("b"), Interval("a"));
        Assert.Equal(["Already the id of rules[0]; ids must be unique."], errors["rules[2].id"]);
        Assert.Single(errors);
    }

    [Theory]
    [InlineData(new int[0], "rules[0].sessions")]
    [InlineData(new[] { 0 }, "rules[0].sessions[0]")]
    [InlineData(new[] { 1, 101 }, "rules[0].sessions[1]")]
    [InlineData(new[] { 2, 3, 2 }, "rules[0].sessions[2]")]
    public void Sessions_must_be_distinct_numbers_1_to_100_and_not_empty(int[] sessions, string field) =>
        Assert.Equal([field], Refused(After(sessions: sessions)).Keys);

    [Fact]
    public void A_field_the_bodys_reader_already_refused_is_not_judged_again()
    {
        // The API's reader names a mistyped value and leaves it null (a refused session as 0): no "Required." or range
        // message is added under the same path, and every other field is still judged.
        var errors = new ValidationErrors();
        errors.Add("rules[0].windowHours", "Must be a whole JSON number, e.g. 2.");
        errors.Add("rules[0].sessions[0]", "Must be a whole JSON number, e.g. 2.");
        MeasurementPlanValidation.Validate([After(window: null, offset: -1, sessions: [0, 0, 1])], errors);
        Assert.Equal(new Dictionary<string, string[]>
        {
            ["rules[0].windowHours"] = ["Must be a whole JSON number, e.g. 2."],
            ["rules[0].sessions[0]"] = ["Must be a whole JSON number, e.g. 2."],
            ["rules[0].sessions[1]"] = ["Must be a session number 1–100."],
            ["rules[0].offsetHours"] = ["Must be an integer 0–720."],
        }, errors.ToDictionary());
    }

    [Fact]
    public void Sessions_1_and_100_are_accepted() =>
        Assert.Equal([1, 100], ((AfterInfusionRule)MeasurementPlanValidation.Parse([After(sessions: [100, 1])])[0]).Sessions);

    [Fact]
    public void A_plan_holds_1_to_50_rules()
    {
        Assert.Equal(["rules"], Refused().Keys);
        Assert.Equal(["rules"], Refused(null!).Keys);
        Assert.Equal(50, MeasurementPlanValidation.Parse(Enumerable.Range(0, 50).Select(i => (PlanRuleDraft?)Enrolment($"r{i}")).ToArray()).Count);
        Assert.Equal(["rules"], Refused(Enumerable.Range(0, 51).Select(i => (PlanRuleDraft?)Enrolment($"r{i}")).ToArray()).Keys);
    }

    [Fact]
    public void Undefined_enum_values_are_refused_with_the_wire_names()
    {
        var errors = Refused(new PlanRuleDraft("x", (PlanInstrument)9, RuleAnchor.Interval, WindowDays: 1, EveryDays: 1, Phase: (PlanPhase)9));
        Assert.Equal(["Must be one of: phq9, gad7, cssrs."], errors["rules[0].instrument"]);
        Assert.Equal(["Must be one of: pre-treatment, on-treatment, any."], errors["rules[0].phase"]);
        Assert.Equal(["Must be one of: enrolment, after-infusion, interval."],
            Refused(new PlanRuleDraft("x", PlanInstrument.Phq9, (RuleAnchor)9))["rules[0].anchor"]);
    }
}
