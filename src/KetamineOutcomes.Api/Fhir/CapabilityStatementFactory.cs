using Hl7.Fhir.Model;
using KetamineOutcomes.Core.Instruments;

namespace KetamineOutcomes.Api.Fhir;

/// <summary>Exactly what the FHIR interface supports, and the local definitions it uses.</summary>
internal static class CapabilityStatementFactory
{
    private const string DatePrefixes =
        "Prefixes eq (default), ne, ge, gt, le, lt, sa, eb; a value is the range of its precision (a day, a second, or with a fraction that instant); " +
        "comma = OR; repeat for a range (AND).";

    private const string LastUpdatedDoc =
        "meta.lastUpdated (when the current version was stored), as date: " + DatePrefixes + " " +
        "A search with _lastUpdated also returns entered-in-error records, with that status, so an incremental sync sees them; without it they are left out.";

    public static CapabilityStatement Create(string baseUrl)
    {
        var param = (string name, SearchParamType type, string doc) => new CapabilityStatement.SearchParamComponent { Name = name, Type = type, Documentation = doc };
        return new CapabilityStatement
        {
            Status = PublicationStatus.Active,
            Date = "2026-11-29",
            Kind = CapabilityStatementKind.Instance,
            Software = new CapabilityStatement.SoftwareComponent { Name = "KetamineOutcomes" },
            Implementation = new CapabilityStatement.ImplementationComponent { Description = "KetamineOutcomes FHIR R4 interface", Url = baseUrl },
            FhirVersion = FHIRVersion.N4_0_1,
            Format = ["application/fhir+json"],
            Rest =
            [
                new CapabilityStatement.RestComponent
                {
                    Mode = CapabilityStatement.RestfulCapabilityMode.Server,
                    Documentation = new Markdown(
                        "Every interaction but metadata needs an `X-Api-Key` header: reads for clinician and ehr keys, QuestionnaireResponse create also for portal keys; " +
                        "a site-bound key sees its own site's patients only. Errors are OperationOutcome. " +
                        "Only application/fhir+json is served: an Accept or _format asking for XML, Turtle or anything else is a 406. " +
                        "Searches ignore a parameter (or modifier) they do not list and leave it out of the self link; read and create take none but _format and ignore others; with `Prefer: handling=strict` any of these is a 400 naming it. " +
                        "A comma inside one value is OR, a repeated parameter is AND. Paging follows the next link, whose opaque `_cursor` marks the last entry shown: " +
                        "pages neither repeat nor skip an entry while responses are added; `total` counts the matches when the page is read. " +
                        "Every resource carries meta.versionId (its record's version: 1, then + 1 per amendment or entered-in-error marking) and " +
                        "meta.lastUpdated (when that version was stored, to the microsecond); a read sends ETag W/\"versionId\" and Last-Modified. " +
                        "Corrections: a record entered in error is left out of every search unless the search carries _lastUpdated; there it comes back " +
                        "with status entered-in-error, so an incremental sync (_lastUpdated=gt<the latest meta.lastUpdated seen>) learns of it and " +
                        "withdraws what it holds. A read by id always answers, with the status. An Observation's versionId and lastUpdated are those of " +
                        "the response it is derived from; its timepoint extension is derived at read time from the infusions and can change without them."),
                    Security = new CapabilityStatement.SecurityComponent
                    {
                        Description = new Markdown("API key in the X-Api-Key header, or, when an OpenID provider is configured, a bearer token from it; " +
                            "SMART v2 scopes in the token narrow its role's access (discovery: .well-known/smart-configuration under this base)."),
                    },
                    Resource =
                    [
                        new CapabilityStatement.ResourceComponent
                        {
                            Type = "Observation",
                            Documentation = new Markdown(
                                $"Derived, read-only survey Observations: PHQ-9 total ({Loinc.Phq9Total}), PHQ-9 item 9 ({Loinc.Phq9Item9}), GAD-7 total ({Loinc.Gad7Total}) as valueInteger, " +
                                $"and C-SSRS risk level ({Loinc.CssrsRisk}) as a LOINC answer, or code `none` of {FhirCodes.RiskSystem} (LOINC has no 'none'). " +
                                $"interpretation carries the severity band (system {FhirCodes.SeveritySystem}: minimal, mild, moderate, moderately-severe, severe). " +
                                $"Extension {FhirCodes.TimepointExtension} (complex: sessionNumber integer, infusionId string, daysSinceFirstInfusion integer, " +
                                "hoursSinceLastInfusion decimal) keys each Observation to the patient's infusions, derived at read time."),
                            Interaction = [new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.SearchType }],
                            SearchParam =
                            [
                                param("patient", SearchParamType.Reference, "Required: Patient/{id} or {id}; one patient per search."),
                                param("code", SearchParamType.Token,
                                    "LOINC code: 44261-6 (any system), http://loinc.org|44261-6 (that system only), http://loinc.org| (any code of it), |44261-6 (no system: matches nothing here). Comma = OR, repeat = AND."),
                                param("category", SearchParamType.Token,
                                    $"survey, or {FhirCodes.ObservationCategory}|survey; the same token forms as code."),
                                param("date", SearchParamType.Date, DatePrefixes),
                                param("_lastUpdated", SearchParamType.Date, LastUpdatedDoc),
                                param("_sort", SearchParamType.Token, "date or -date (default date); ties by id."),
                                param("_count", SearchParamType.Number, "Page size, 0–500 (default 50); 0 returns the total only."),
                                param(FhirCursor.Parameter, SearchParamType.String, "Opaque position carried by the next link; do not build it."),
                            ],
                        },
                        new CapabilityStatement.ResourceComponent
                        {
                            Type = "QuestionnaireResponse",
                            Documentation = new Markdown(
                                $"PHQ-9 ({Loinc.Phq9Panel}), GAD-7 ({Loinc.Gad7Panel}) and C-SSRS screener ({Loinc.CssrsPanel}). Create parses strictly (unknown elements, " +
                                "wrong JSON types and missing required elements are refused) and recognises items by LOINC code in linkId (/44250-9, 44250-9, " +
                                "/44249-1/44250-9, phq9-1) or definition, at any depth of groups or answer-nested items. " +
                                $"Scored answers: {FhirAnswers.ScoreForms}. Yes/no answers (C-SSRS {Loinc.CssrsWishToBeDead} … {Loinc.CssrsBehavior}, {Loinc.CssrsBehaviorRecent}): {FhirAnswers.YesNoForms}. " +
                                "Refused with 400 (issue.expression is a FHIRPath into the sent resource): an item with more than one answer, the same item twice, " +
                                "an answer that cannot be read on any scored or C-SSRS item, C-SSRS 93269-9 missing when 93267-3 is yes, 93248-3/93249-1/93250-9 " +
                                "missing when 93247-5 is yes, an answered item not recognised inside a group named by a panel code, in a response declaring a panel, " +
                                "beside or under recognised items, or answered on the LL358-3 frequency scale, a total or risk level without its answers, " +
                                "If-None-Exist (conditional create is not offered), a declared questionnaire (one of the three LOINC panels) that disagrees with the items, a reference to " +
                                "another server, any modifierExtension, a contained QuestionnaireResponse, a null in an array, a number a decimal cannot hold " +
                                "exactly. status completed or amended is stored " +
                                "and read back; in-progress, stopped and entered-in-error are refused with 422. A response holding several instruments (an intake " +
                                "form) stores each in one transaction and answers 201 with a transaction-response Bundle, one entry per stored QuestionnaireResponse " +
                                "(Location names the first). The sender's totals and risk level are ignored and recomputed; stored exactly like the JSON API " +
                                "(scoring, idempotency with Idempotency-Key, safety alerts, audit)."),
                            Interaction =
                            [
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Read },
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.SearchType },
                                new CapabilityStatement.ResourceInteractionComponent { Code = CapabilityStatement.TypeRestfulInteraction.Create },
                            ],
                            SearchParam =
                            [
                                param("patient", SearchParamType.Reference, "Patient/{id} or {id}; one patient per search; patient or _id is required."),
                                param("_id", SearchParamType.Token, "Response ids; comma = OR, repeat = AND."),
                                param("_lastUpdated", SearchParamType.Date, LastUpdatedDoc),
                                param("_sort", SearchParamType.Token, "authored or -authored (default authored); ties by id."),
                                param("_count", SearchParamType.Number, "Page size, 0–500 (default 50); 0 returns the total only."),
                                param(FhirCursor.Parameter, SearchParamType.String, "Opaque position carried by the next link; do not build it."),
                            ],
                        },
                    ],
                },
            ],
        };
    }
}
