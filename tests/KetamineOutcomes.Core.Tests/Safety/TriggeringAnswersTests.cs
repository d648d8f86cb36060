using KetamineOutcomes.Core.Safety;

namespace KetamineOutcomes.Core.Tests.Safety;

public class TriggeringAnswersTests
{
    [Theory]
    [InlineData(1, "Several days")]
    [InlineData(2, "More than half the days")]
    [InlineData(3, "Nearly every day")]
    public void PHQ9_item_9_is_shown_with_its_score_and_the_answer_in_words(int item9, string answer)
    {
        var shown = Assert.Single(TriggeringAnswers.ForPhq9Item9(item9));
        Assert.Equal(new TriggeringAnswer("items[8]", TriggeringAnswers.Phq9Item9Question, answer, item9), shown);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(null)]
    public void PHQ9_item_9_that_cannot_alert_shows_no_answer(int? item9) => Assert.Empty(TriggeringAnswers.ForPhq9Item9(item9));

    [Fact]
    public void CSSRS_shows_each_yes_in_question_order_and_how_recent_the_behaviour_was()
    {
        var shown = TriggeringAnswers.ForCheckin(new CssrsAnswers(false, true, true, null, true, SuicidalBehavior.Within3Months));
        Assert.Equal(["suicidalThoughts", "thoughtsOfMethod", "plan", "suicidalBehavior"], shown.Select(a => a.Field));
        Assert.Equal(TriggeringAnswers.PlanQuestion, shown[2].Question);
        Assert.Equal("Yes, within the past 3 months", shown[3].Answer);
        Assert.All(shown, a => Assert.Null(a.Score));
    }

    [Fact]
    public void CSSRS_with_no_yes_shows_nothing() =>
        Assert.Empty(TriggeringAnswers.ForCheckin(new CssrsAnswers(false, false, null, null, null, SuicidalBehavior.None)));
}
