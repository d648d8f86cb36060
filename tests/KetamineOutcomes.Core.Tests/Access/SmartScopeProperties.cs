using CsCheck;
using KetamineOutcomes.Core.Access;

namespace KetamineOutcomes.Core.Tests.Access;

/// <summary>Whatever text a token carries, its scopes never grant a letter the text does not name.</summary>
public class SmartScopeProperties
{
    // Near-misses of real scopes: each part right or slightly wrong, so well-formed scopes come up often.
    private static readonly Gen<string> OneScope = Gen.Select(
        Gen.OneOf("system/", "user/", "patient/", "System/", "SYSTEM/", "uSer/", "launch/", ""),
        Gen.OneOf("Observation", "QuestionnaireResponse", "Patient", "*", "observation", ""),
        Gen.OneOf(".", ".", ".", "", ".."),
        Gen.OneOf(Gen.String[Gen.Char["crudscrudsxR*"], 0, 6], Gen.OneOf("read", "write", "*", "reads")),
        Gen.OneOf("", "", "", "?category=survey", "?"))
        .Select((context, type, dot, letters, restriction) => context + type + dot + letters + restriction);

    private static readonly Gen<string> ScopeText = Gen.OneOf(
        OneScope.Array[1, 4].Select(scopes => string.Join(' ', scopes)),
        Gen.String[Gen.Char["sytemur/ObsvaionQRp*.cdx?= "], 0, 40]);

    [Fact]
    public void Parsing_never_grants_a_permission_letter_absent_from_the_scope_text() =>
        ScopeText.Sample(text =>
        {
            foreach (var scope in SmartScopeSet.Parse([text]).Granting)
            {
                var written = text.Split(' ').Single(t => SmartScope.TryParse(t) == scope);
                var letters = written[(written.IndexOf('.', StringComparison.Ordinal) + 1)..];
                // The 1.0 words are the one place letters stand for a word (SMART 2.x equivalence table).
                var named = letters switch
                {
                    "read" => "rs",
                    "write" => "cud",
                    "*" => SmartPermissionLetters.Order,
                    _ => letters,
                };
                if (SmartPermissionLetters.Write(scope.Permissions).Any(c => !named.Contains(c, StringComparison.Ordinal))) return false;
            }
            return true;
        });

    [Fact]
    public void A_token_whose_text_has_no_smart_prefix_is_never_scoped_and_never_grants() =>
        ScopeText.Where(t => !t.Split(' ').Any(SmartScope.LooksLikeResourceScope)).Sample(text =>
        {
            var set = SmartScopeSet.Parse([text]);
            return !set.IsScoped && set.Granting.Count == 0;
        });

    [Fact]
    public void Adding_a_scope_never_takes_away_a_grant_and_a_malformed_one_never_adds_one() =>
        Gen.Select(ScopeText, ScopeText).Sample((a, b) =>
        {
            var before = SmartScopeSet.Parse([a]);
            var after = SmartScopeSet.Parse([a, b]);
            foreach (var type in new[] { "Observation", "QuestionnaireResponse", "Patient", "*" })
            {
                foreach (var p in new[] { SmartPermissions.Create, SmartPermissions.Read, SmartPermissions.Update, SmartPermissions.Delete, SmartPermissions.Search })
                {
                    if (before.Grants(type, p) && !after.Grants(type, p)) return false;
                    var bGrants = SmartScopeSet.Parse([b]).Grants(type, p);
                    if (after.Grants(type, p) != (before.Grants(type, p) || bGrants)) return false;
                }
            }
            return true;
        });

    [Fact]
    public void A_smart_prefix_in_any_case_but_lower_marks_the_token_scoped_and_never_grants() =>
        Gen.Select(Gen.OneOf("system", "user", "patient"), Gen.Bool.Array[7], Gen.OneOf("Observation.rs", "*.cruds", "QuestionnaireResponse.c", "*.read"))
            .Select((word, upper, rest) => new string(word.Select((c, i) => upper[i] ? char.ToUpperInvariant(c) : c).ToArray()) + "/" + rest)
            .Where(scope => !SmartScope.Prefixes.Any(p => scope.StartsWith(p, StringComparison.Ordinal)))
            .Sample(scope =>
            {
                var set = SmartScopeSet.Parse([scope, "openid"]);
                return set.IsScoped && set.Granting.Count == 0;
            });
}
