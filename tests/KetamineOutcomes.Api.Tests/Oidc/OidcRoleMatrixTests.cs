namespace KetamineOutcomes.Api.Tests.Oidc;

/// <summary>
/// The SPEC's role × endpoint table again, every route, with bearer tokens from the real provider instead of keys: a
/// token whose roles claim names a role passes and is refused exactly where a key of that role is (the EHR's token is
/// signed ES256, the others RS256).
/// </summary>
public sealed class OidcRoleMatrixTests(OidcProviderFixture oidc) : OidcApiTest(oidc)
{
    [OidcFact]
    public async Task Every_route_answers_401_403_or_passes_for_a_bearer_token_exactly_as_for_a_key_of_the_same_role()
    {
        var patient = await CreatePatientAsync();
        var tokens = new Dictionary<string, string> { [RoleMatrixTests.WrongCredential] = "not.a.jwt" };
        foreach (var role in RoleMatrixTests.AllRoles) tokens[role] = await Provider.TokenAsync($"{role}-user");
        var failures = await RoleMatrixTests.MatrixFailuresAsync(patient, who => who is null ? ClientWith(null) : BearerClient(tokens[who]));
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
