using KetamineOutcomes.Core.Access;
using P = KetamineOutcomes.Core.Access.SmartPermissions;

namespace KetamineOutcomes.Core.Tests.Access;

/// <summary>What a token's scopes grant: only well-formed, unrestricted system/ and user/ scopes; never more.</summary>
public class SmartScopeSetTests
{
    [Fact]
    public void A_token_without_smart_resource_scopes_is_not_scoped()
    {
        var set = SmartScopeSet.Parse(["openid profile offline_access launch/patient fhirUser outcomes"]);
        Assert.False(set.IsScoped);
        Assert.Empty(set.Granting);
    }

    [Fact]
    public void The_scope_claim_is_split_on_spaces_and_the_scp_array_form_is_read_alike()
    {
        var fromString = SmartScopeSet.Parse(["openid  system/Observation.rs system/QuestionnaireResponse.c"]);
        var fromArray = SmartScopeSet.Parse(["openid", "system/Observation.rs", "system/QuestionnaireResponse.c"]);
        foreach (var set in new[] { fromString, fromArray })
        {
            Assert.True(set.IsScoped);
            Assert.True(set.Grants("Observation", P.Search));
            Assert.True(set.Grants("QuestionnaireResponse", P.Create));
            Assert.False(set.Grants("QuestionnaireResponse", P.Read));
        }
    }

    [Theory]
    [InlineData("system/Observation.rs", "Observation", P.Read, true)]
    [InlineData("system/Observation.rs", "Observation", P.Search, true)]
    [InlineData("system/Observation.rs", "Observation", P.Create, false)]
    [InlineData("system/Observation.rs", "QuestionnaireResponse", P.Search, false)]
    [InlineData("system/*.rs", "QuestionnaireResponse", P.Read, true)]
    [InlineData("system/*.rs", "*", P.Search, true)]
    [InlineData("system/*.rs", "QuestionnaireResponse", P.Create, false)]
    [InlineData("system/Observation.rs", "*", P.Search, false)] // a named type never covers "every type"
    [InlineData("user/QuestionnaireResponse.cruds", "QuestionnaireResponse", P.Delete, true)]
    [InlineData("system/Observation.read", "Observation", P.Search, true)]
    [InlineData("system/Observation.read", "Observation", P.Create, false)]
    [InlineData("patient/*.cruds", "Observation", P.Read, false)] // no launch patient here
    [InlineData("system/Observation.rs?category=survey", "Observation", P.Read, false)] // restrictions are not evaluated
    [InlineData("system/Observation.rx", "Observation", P.Read, false)] // malformed
    [InlineData("system/Observation.sr", "Observation", P.Search, false)]
    [InlineData("SYSTEM/Observation.rs", "Observation", P.Read, false)] // the prefix is case-sensitive
    [InlineData("System/*.cruds", "QuestionnaireResponse", P.Create, false)]
    public void A_scope_grants_exactly_what_it_names(string scope, string type, P permission, bool granted) =>
        Assert.Equal(granted, SmartScopeSet.Parse([scope]).Grants(type, permission));

    [Theory]
    [InlineData("system/Observation.rx")]
    [InlineData("patient/*.rs")]
    [InlineData("system/Observation.rs?code=44261-6")]
    [InlineData("user/observation.rs")]
    [InlineData("SYSTEM/Observation.rs")] // a case-variant prefix narrows (to nothing), never leaves the token unscoped
    [InlineData("System/*.cruds")]
    [InlineData("User/QuestionnaireResponse.cruds")]
    [InlineData("pAtIeNt/*.rs")]
    public void A_scope_that_grants_nothing_still_makes_the_token_scoped(string scope)
    {
        var set = SmartScopeSet.Parse([scope]);
        Assert.True(set.IsScoped);
        Assert.Empty(set.Granting);
    }

    [Theory]
    [InlineData("system/Observation.rs", SmartContext.System)]
    [InlineData("user/Observation.rs", SmartContext.User)]
    [InlineData("user/Observation.rs system/Patient.r", SmartContext.System)]
    [InlineData("system/Observation.rx", SmartContext.System)]
    public void A_refusal_names_the_context_the_token_uses(string scopes, SmartContext context) =>
        Assert.Equal(context, SmartScopeSet.Parse([scopes]).RefusalContext);
}
