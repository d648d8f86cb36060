using System.Security.Claims;
using Hl7.Fhir.Model;
using KetamineOutcomes.Api.Audit;
using KetamineOutcomes.Api.Endpoints;
using KetamineOutcomes.Api.Errors;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Api.Security;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Fhir;

/// <summary>FHIR reads and searches: QuestionnaireResponse read, Observation and QuestionnaireResponse searchsets.</summary>
/// <remarks>
/// Entered-in-error records (SPEC v2, Corrections) are left out of a search unless it carries <c>_lastUpdated</c>: status
/// entered-in-error is a modifier meaning the resource is not to be treated as valid (R4 Observation.status,
/// QuestionnaireResponse.status), so a plain search does not hand it to a client that may not look; a <c>_lastUpdated</c>
/// search asks what changed since, and marking a record entered in error is such a change (it gets a new
/// meta.versionId and meta.lastUpdated), so there the record comes back with its status and an incremental sync learns
/// to withdraw what it holds. A read by id always shows the record, with its status.
/// </remarks>
internal static partial class FhirEndpoints
{
    /// <summary>Observation search parameters; anything else is ignored, or refused with <c>Prefer: handling=strict</c>.</summary>
    internal static readonly string[] ObservationParameters = ["patient", "code", "category", "date", LastUpdated, "_sort", "_count", FhirCursor.Parameter];

    /// <summary>QuestionnaireResponse search parameters, as for <see cref="ObservationParameters"/>.</summary>
    internal static readonly string[] ResponseParameters = ["patient", "_id", LastUpdated, "_sort", "_count", FhirCursor.Parameter];

    /// <summary>The FHIR search parameter over meta.lastUpdated (R4 search, "Parameters for all resources").</summary>
    private const string LastUpdated = "_lastUpdated";

    // At most this many ids in one _id search without a patient (each is one lookup).
    private const int MaxIds = 100;

    internal static async Task<IResult> SearchObservations(HttpContext http, Database db, PublicBaseUrl publicBase, ClaimsPrincipal user, CancellationToken ct)
    {
        var query = FhirSearchQuery.Read(http.Request, "Observation", ObservationParameters);
        var errors = query.Errors;
        var patientId = PatientParameter(query, errors, required: true) ?? default;
        var codes = FhirTokenParameter.ParseAll(query.All("code"), "code", errors);
        var categories = FhirTokenParameter.ParseAll(query.All("category"), "category", errors);
        var dates = DateParameters(query.All("date"), "date", errors);
        var lastUpdated = DateParameters(query.All(LastUpdated), LastUpdated, errors);
        var paging = FhirPaging.Read(query, "date");
        errors.ThrowIfAny();

        var caller = Caller.From(user);
        var withErrors = lastUpdated.Count > 0; // see the class remarks
        var entries = await db.ReadAsync(async (c, t) =>
        {
            await PatientAccess.EnsureVisibleAsync(c, patientId, caller, null, t).ConfigureAwait(false);
            var timeline = await InfusionStore.TimelineForPatientAsync(c, patientId, t).ConfigureAwait(false);
            var list = new List<FhirMapping.ObservationEntry>();
            // Summaries, not whole records: an Observation never needs the answers (issue 24).
            foreach (var r in await QuestionnaireStore.SummariesForPatientAsync(c, patientId, withErrors, t).ConfigureAwait(false))
                list.AddRange(FhirMapping.Observations(r, timeline));
            foreach (var r in await CheckinStore.SummariesForPatientAsync(c, patientId, withErrors, t).ConfigureAwait(false))
                list.Add(FhirMapping.RiskObservation(r, timeline));
            return list;
        }, ct).ConfigureAwait(false);
        AuditMiddleware.RecordPatients(http, [patientId]);

        // Every Observation we emit is coded in LOINC and has the one category survey (see FhirMapping.Base).
        var matching = entries
            .Where(e => FhirTokenParameter.MatchesAll(codes, Loinc.System, e.Code))
            .Where(e => FhirTokenParameter.MatchesAll(categories, FhirCodes.ObservationCategory, "survey"))
            .Where(e => FhirDateParameter.MatchesAll(dates, e.Effective))
            .Where(e => FhirDateParameter.MatchesAll(lastUpdated, e.LastUpdated));
        var (total, page, next) = paging.Apply(matching, e => e.Effective, e => e.Id);
        // Written straight from the facts, not through Firely POCOs (issue 24); the same bytes (ObservationJsonProperties).
        return ObservationJson.Searchset(publicBase.Fhir, query, total, page, next, paging.Count);
    }

    internal static async Task<IResult> SearchResponses(HttpContext http, Database db, PublicBaseUrl publicBase, ClaimsPrincipal user, CancellationToken ct)
    {
        var query = FhirSearchQuery.Read(http.Request, "QuestionnaireResponse", ResponseParameters);
        var errors = query.Errors;
        var idOccurrences = IdParameters(query.All("_id"), errors);
        // patient or _id: a search across every patient is not offered.
        var patientId = PatientParameter(query, errors, required: idOccurrences.Count == 0);
        var lastUpdated = DateParameters(query.All(LastUpdated), LastUpdated, errors);
        var paging = FhirPaging.Read(query, "authored");
        errors.ThrowIfAny();

        var caller = Caller.From(user);
        var withErrors = lastUpdated.Count > 0; // see the class remarks
        var (total, page, next, patients) = await db.ReadAsync(async (c, t) =>
        {
            List<ResponseEntry> found;
            if (patientId is { } p)
            {
                await PatientAccess.EnsureVisibleAsync(c, p, caller, null, t).ConfigureAwait(false);
                // Keys from the summaries; whole records (the answers) only for the page, below (issue 24).
                found = (await QuestionnaireStore.SummariesForPatientAsync(c, p, withErrors, t).ConfigureAwait(false))
                    .Select(r => new ResponseEntry(p, r.CompletedAt, r.LastUpdated, r.Status, r.Id, ResponseSource.Questionnaire))
                    .Concat((await CheckinStore.SummariesForPatientAsync(c, p, withErrors, t).ConfigureAwait(false))
                        .Select(r => new ResponseEntry(p, r.CompletedAt, r.LastUpdated, r.Status, r.Id, ResponseSource.Checkin)))
                    .ToList();
            }
            else
            {
                // _id alone: the ids every occurrence allows (AND of ORs), each looked up where the caller may see it.
                found = [];
                foreach (var id in idOccurrences.Skip(1).Aggregate(idOccurrences[0].ToHashSet(), (set, next) => { set.IntersectWith(next); return set; }))
                {
                    if (await FindVisibleAsync(c, id, caller, t).ConfigureAwait(false) is { } v)
                        found.Add(new ResponseEntry(v.PatientId, v.CompletedAt, v.LastUpdated, v.Status, id, ResponseSource.Found, v.Resource));
                }
            }
            var matching = found
                .Where(r => withErrors || r.Status.IsLive())
                .Where(r => idOccurrences.All(ids => ids.Contains(r.Id)))
                .Where(r => FhirDateParameter.MatchesAll(lastUpdated, r.LastUpdated))
                .ToList();
            var (total, page, next) = paging.Apply(matching, r => r.CompletedAt, r => r.Id.ToString());
            var patients = patientId is { } pid ? new[] { pid } : matching.Select(r => r.PatientId).Distinct().ToArray();
            return (total, await PageResourcesAsync(c, page, t).ConfigureAwait(false), next, patients);
        }, ct).ConfigureAwait(false);

        AuditMiddleware.RecordPatients(http, patients);
        return FhirJson.Result(FhirSearchset.Create(publicBase.Fhir, "QuestionnaireResponse", query, total, page, next, paging.Count));
    }

    /// <summary>Where a matched response's resource comes from: built already (an <c>_id</c> lookup), or a whole row to read.</summary>
    private enum ResponseSource { Found, Questionnaire, Checkin }

    /// <summary>A stored response as search sees it: sort key, last update and status (filters), whose it is, and where it comes from.</summary>
    private sealed record ResponseEntry(
        Guid PatientId, DateTimeOffset CompletedAt, DateTimeOffset LastUpdated, RecordStatus Status, Guid Id, ResponseSource Source, Resource? Resource = null);

    /// <summary>
    /// The page's QuestionnaireResponses in page order, the whole records read by id (one statement per store). A record
    /// gone since its key was read (none are deleted) would be left out rather than answered wrongly.
    /// </summary>
    private static async Task<List<Resource>> PageResourcesAsync(System.Data.Common.DbConnection c, IReadOnlyList<ResponseEntry> page, CancellationToken t)
    {
        var built = new Dictionary<Guid, Resource>();
        foreach (var e in page)
            if (e.Resource is { } r) built[e.Id] = r;
        foreach (var group in page.Where(e => e.Resource is null).GroupBy(e => (e.PatientId, e.Source)))
        {
            var ids = group.Select(e => e.Id).ToArray();
            if (group.Key.Source == ResponseSource.Questionnaire)
                foreach (var q in await QuestionnaireStore.GetManyAsync(c, group.Key.PatientId, ids, t).ConfigureAwait(false)) built[q.Id] = FhirMapping.Response(q);
            else
                foreach (var k in await CheckinStore.GetManyAsync(c, group.Key.PatientId, ids, t).ConfigureAwait(false)) built[k.Id] = FhirMapping.Response(k);
        }
        return page.Where(e => built.ContainsKey(e.Id)).Select(e => built[e.Id]).ToList();
    }

    /// <summary>
    /// One QuestionnaireResponse, whatever its status (entered-in-error shows as such), with <c>ETag: W/"versionId"</c>
    /// and <c>Last-Modified</c> from its meta (R4 RESTful API, "read").
    /// </summary>
    internal static async Task<IResult> ReadResponse(string id, HttpContext http, Database db, ClaimsPrincipal user, CancellationToken ct)
    {
        FhirParameterHandling.RefuseUnsupported(http.Request, "QuestionnaireResponse read");
        var caller = Caller.From(user);
        if (!Guid.TryParse(id, out var guid)) throw new ResourceNotFoundException("QuestionnaireResponse");
        var found = await db.ReadAsync((c, t) => FindVisibleAsync(c, guid, caller, t), ct).ConfigureAwait(false)
            ?? throw new ResourceNotFoundException("QuestionnaireResponse");
        AuditMiddleware.RecordPatients(http, [found.PatientId]);
        FhirJson.SetVersionHeaders(http.Response, found.Resource);
        return FhirJson.Result(found.Resource);
    }

    private static async Task<(Guid PatientId, DateTimeOffset CompletedAt, DateTimeOffset LastUpdated, RecordStatus Status, Resource Resource)?> FindVisibleAsync(
        System.Data.Common.DbConnection c, Guid id, Caller caller, CancellationToken t)
    {
        if (await QuestionnaireStore.GetByIdAsync(c, id, t).ConfigureAwait(false) is { } q)
            return await Visible(q.PatientId).ConfigureAwait(false) ? (q.PatientId, q.CompletedAt, q.LastUpdated, q.Status, FhirMapping.Response(q)) : null;
        if (await CheckinStore.GetByIdAsync(c, id, t).ConfigureAwait(false) is { } k)
            return await Visible(k.PatientId).ConfigureAwait(false) ? (k.PatientId, k.CompletedAt, k.LastUpdated, k.Status, FhirMapping.Response(k)) : null;
        return null;

        Task<bool> Visible(Guid patientId) => PatientAccess.IsVisibleAsync(c, patientId, caller, null, t);
    }

    /// <summary>
    /// <c>patient</c>: <c>Patient/{id}</c> or <c>{id}</c> (R4 §3.1.1.4.10 "reference"). One patient per search: a comma
    /// list or differing repeats (which could only match nothing) are refused.
    /// </summary>
    private static Guid? PatientParameter(FhirSearchQuery query, ValidationErrors errors, bool required)
    {
        var values = query.All("patient");
        if (values.Count == 0)
        {
            if (required) errors.Add("patient", "Required: Patient/{id} or {id}.");
            return null;
        }
        var ids = new HashSet<Guid>();
        foreach (var raw in values)
        {
            var text = raw.StartsWith("Patient/", StringComparison.Ordinal) ? raw["Patient/".Length..] : raw;
            if (Guid.TryParse(text, out var id)) ids.Add(id);
            else
            {
                errors.Add("patient", "Must be Patient/{id} or {id} with a patient id of this service (one patient per search).");
                return null;
            }
        }
        if (ids.Count == 1) return ids.First();
        errors.Add("patient", "One patient per search: repeat patient only with the same id.");
        return null;
    }

    /// <summary><c>_id</c> occurrences (each a comma list of response ids: OR within, AND across).</summary>
    private static List<Guid[]> IdParameters(IReadOnlyList<string> occurrences, ValidationErrors errors)
    {
        var all = new List<Guid[]>();
        foreach (var occurrence in occurrences)
        {
            var ids = new List<Guid>();
            foreach (var text in occurrence.Split(','))
            {
                if (Guid.TryParse(text, out var id)) ids.Add(id);
                else errors.Add("_id", "Must be a response id (comma-separated for several).");
            }
            all.Add([.. ids]);
        }
        if (all.Sum(ids => ids.Length) > MaxIds) errors.Add("_id", $"At most {MaxIds} ids per search.");
        return all;
    }

    /// <summary><c>date</c> or <c>_lastUpdated</c> occurrences (each a comma list of alternatives: OR within, AND across).</summary>
    private static List<FhirDateParameter[]> DateParameters(IReadOnlyList<string> occurrences, string name, ValidationErrors errors)
    {
        var all = new List<FhirDateParameter[]>();
        foreach (var occurrence in occurrences)
        {
            var alternatives = new List<FhirDateParameter>();
            foreach (var v in occurrence.Split(','))
            {
                if (FhirDateParameter.TryParse(v, out var d)) alternatives.Add(d!);
                else errors.Add(name, FhirDateParameter.Expected);
            }
            all.Add([.. alternatives]);
        }
        return all;
    }
}
