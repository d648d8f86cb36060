using KetamineOutcomes.Core.Access;
using P = KetamineOutcomes.Core.Access.SmartPermissions;

namespace KetamineOutcomes.Core.Tests.Access;

/// <summary>The SMART resource scope grammar (SMART App Launch 2.x) and the 1.0 words it keeps.</summary>
public class SmartScopeTests
{
    public static TheoryData<string, SmartContext, string, P> WellFormed => new()
    {
        { "system/Observation.rs", SmartContext.System, "Observation", P.Read | P.Search },
        { "system/QuestionnaireResponse.cruds", SmartContext.System, "QuestionnaireResponse", P.All },
        { "user/*.rs", SmartContext.User, "*", P.Read | P.Search },
        { "patient/*.cruds", SmartContext.Patient, "*", P.All },
        { "user/QuestionnaireResponse.c", SmartContext.User, "QuestionnaireResponse", P.Create },
        { "system/Patient.cud", SmartContext.System, "Patient", P.Create | P.Update | P.Delete },
        { "system/Flag.us", SmartContext.System, "Flag", P.Update | P.Search },
        // SMART 1.0 words, as 2.x's equivalence table maps them.
        { "system/Observation.read", SmartContext.System, "Observation", P.Read | P.Search },
        { "user/QuestionnaireResponse.write", SmartContext.User, "QuestionnaireResponse", P.Create | P.Update | P.Delete },
        { "system/*.*", SmartContext.System, "*", P.All },
    };

    [Theory]
    [MemberData(nameof(WellFormed))]
    public void A_well_formed_scope_parses_to_its_context_type_and_letters(string text, SmartContext context, string type, P permissions)
    {
        var scope = SmartScope.TryParse(text);
        Assert.NotNull(scope);
        Assert.Equal(context, scope.Context);
        Assert.Equal(type, scope.ResourceType);
        Assert.Equal(permissions, scope.Permissions);
        Assert.Null(scope.Restriction);
    }

    [Theory]
    [InlineData("system/Observation.sr")] // out of order
    [InlineData("system/Observation.rrs")] // repeated
    [InlineData("system/Observation.")] // no letters
    [InlineData("system/Observation.rx")] // a letter SMART does not have
    [InlineData("system/Observation.RS")] // letters are lower case
    [InlineData("system/Observation")] // no dot
    [InlineData("system/Observation.rs.c")] // two dots
    [InlineData("system/observation.rs")] // not a FHIR type name
    [InlineData("system/Obs3rvation.rs")]
    [InlineData("system/.rs")]
    [InlineData("system/**.rs")]
    [InlineData("System/Observation.rs")] // contexts are lower case
    [InlineData("launch/Observation.rs")]
    [InlineData("system/Observation.reads")] // not a 1.0 word
    [InlineData("system/Observation.rs?")] // empty restriction
    [InlineData("system/Observation.rs?category")] // restriction without a value
    [InlineData("system/Observation.r\ts")]
    [InlineData("Observation.rs")]
    [InlineData("")]
    public void A_malformed_scope_does_not_parse(string text) => Assert.Null(SmartScope.TryParse(text));

    [Fact]
    public void A_restriction_is_kept_apart_from_the_letters()
    {
        var scope = SmartScope.TryParse("system/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|survey");
        Assert.NotNull(scope);
        Assert.Equal(P.Read | P.Search, scope.Permissions);
        Assert.Equal("category=http://terminology.hl7.org/CodeSystem/observation-category|survey", scope.Restriction);
    }

    [Theory]
    [InlineData("system/Observation.read", "system/Observation.rs")]
    [InlineData("user/*.*", "user/*.cruds")]
    [InlineData("system/Patient.write", "system/Patient.cud")]
    public void A_scope_is_written_back_in_v2_letters(string text, string written) => Assert.Equal(written, SmartScope.TryParse(text)!.ToString());
}
