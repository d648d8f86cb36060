using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Hl7.Fhir.Model;
using Hl7.Fhir.Serialization;
using KetamineOutcomes.Api.Audit;
using KetamineOutcomes.Api.Endpoints;
using KetamineOutcomes.Api.Errors;
using KetamineOutcomes.Api.Idempotency;
using KetamineOutcomes.Api.Infrastructure;
using KetamineOutcomes.Api.Security;
using KetamineOutcomes.Api.Submissions;
using KetamineOutcomes.Api.Webhooks;
using KetamineOutcomes.Core;
using KetamineOutcomes.Core.Instruments;
using KetamineOutcomes.Core.Safety;
using KetamineOutcomes.Data.Infrastructure;
using KetamineOutcomes.Data.Stores;
using Task = System.Threading.Tasks.Task;

namespace KetamineOutcomes.Api.Fhir;

/// <summary>FHIR reads and searches: QuestionnaireResponse read, Observation and QuestionnaireResponse searchsets.</summary>
internal static partial class FhirEndpoints
{
    internal static async Task<IResult> SearchObservations(HttpContext http, Database db, ClaimsPrincipal user, CancellationToken ct)
    {
        var q = http.Request.Query;
        var errors = new ValidationErrors();
        var patientId = PatientParameter(q["patient"], errors);
        var codes = q["code"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)).Select(CodeOf).ToHashSet(StringComparer.Ordinal);
        var categories = q["category"].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries)).Select(CodeOf).ToArray();
        var dates = DateParameters(q["date"], errors);
        var (count, offset, descending) = Paging(q, errors, allowSort: true);
        errors.ThrowIfAny();

        var caller = Caller.From(user);
        var entries = await db.ReadAsync(async (c, t) =>
        {
            await PatientAccess.EnsureVisibleAsync(c, patientId, caller, null, t).ConfigureAwait(false);
            var timeline = await InfusionStore.TimelineForPatientAsync(c, patientId, t).ConfigureAwait(false);
            var list = new List<FhirMapping.ObservationEntry>();
            foreach (var r in await QuestionnaireStore.AllForPatientAsync(c, patientId, t).ConfigureAwait(false))
                list.AddRange(FhirMapping.Observations(r, timeline));
            foreach (var r in await CheckinStore.AllForPatientAsync(c, patientId, t).ConfigureAwait(false))
                list.Add(FhirMapping.RiskObservation(r, timeline));
            return list;
        }, ct).ConfigureAwait(false);
        AuditMiddleware.RecordPatients(http, [patientId]);

        var matching = entries
            .Where(e => codes.Count == 0 || codes.Contains(e.Code))
            .Where(e => categories.Length == 0 || categories.Contains("survey"))
            .Where(e => dates.All(d => d.Matches(e.Effective)));
        var ordered = (descending ? matching.OrderByDescending(e => e.Effective) : matching.OrderBy(e => e.Effective)).ThenBy(e => e.Id, StringComparer.Ordinal).ToList();
        return FhirJson.Result(Searchset(http.Request, "Observation", ordered.Count, ordered.Skip(offset).Take(count).Select(e => (Resource)e.Build()), count, offset));
    }

    internal static async Task<IResult> SearchResponses(HttpContext http, Database db, ClaimsPrincipal user, CancellationToken ct)
    {
        var q = http.Request.Query;
        var errors = new ValidationErrors();
        Guid? byId = null;
        if (q["_id"].FirstOrDefault() is { } idText)
        {
            if (Guid.TryParse(idText, out var id)) byId = id;
            else errors.Add("_id", "Must be a response id.");
        }
        var patientId = q["patient"].Count > 0 || byId is null ? PatientParameter(q["patient"], errors) : (Guid?)null;
        var (count, offset, _) = Paging(q, errors, allowSort: false);
        errors.ThrowIfAny();

        var caller = Caller.From(user);
        var responses = await db.ReadAsync(async (c, t) =>
        {
            if (patientId is { } p)
            {
                await PatientAccess.EnsureVisibleAsync(c, p, caller, null, t).ConfigureAwait(false);
                var all = (await QuestionnaireStore.AllForPatientAsync(c, p, t).ConfigureAwait(false)).Select(r => (r.CompletedAt, r.Id, (Resource)FhirMapping.Response(r)))
                    .Concat((await CheckinStore.AllForPatientAsync(c, p, t).ConfigureAwait(false)).Select(r => (r.CompletedAt, r.Id, (Resource)FhirMapping.Response(r))));
                return all.Where(x => byId is null || x.Id == byId).OrderBy(x => x.CompletedAt).ThenBy(x => x.Id).Select(x => x.Item3).ToList();
            }
            var one = await FindVisibleAsync(c, byId!.Value, caller, t).ConfigureAwait(false);
            return one is null ? [] : new List<Resource> { one.Value.Resource };
        }, ct).ConfigureAwait(false);
        if (patientId is { } pid) AuditMiddleware.RecordPatients(http, [pid]);
        return FhirJson.Result(Searchset(http.Request, "QuestionnaireResponse", responses, count, offset));
    }

    internal static async Task<IResult> ReadResponse(string id, HttpContext http, Database db, ClaimsPrincipal user, CancellationToken ct)
    {
        var caller = Caller.From(user);
        if (!Guid.TryParse(id, out var guid)) throw new ResourceNotFoundException("QuestionnaireResponse");
        var found = await db.ReadAsync((c, t) => FindVisibleAsync(c, guid, caller, t), ct).ConfigureAwait(false)
            ?? throw new ResourceNotFoundException("QuestionnaireResponse");
        AuditMiddleware.RecordPatients(http, [found.PatientId]);
        return FhirJson.Result(found.Resource);
    }

    private static async Task<(Guid PatientId, Resource Resource)?> FindVisibleAsync(System.Data.Common.DbConnection c, Guid id, Caller caller, CancellationToken t)
    {
        if (await QuestionnaireStore.GetByIdAsync(c, id, t).ConfigureAwait(false) is { } q)
            return await Visible(q.PatientId).ConfigureAwait(false) ? (q.PatientId, FhirMapping.Response(q)) : null;
        if (await CheckinStore.GetByIdAsync(c, id, t).ConfigureAwait(false) is { } k)
            return await Visible(k.PatientId).ConfigureAwait(false) ? (k.PatientId, FhirMapping.Response(k)) : null;
        return null;

        async Task<bool> Visible(Guid patientId) => await PatientStore.SiteOfAsync(c, patientId, null, t).ConfigureAwait(false) is { } site && caller.CanSee(site.SiteId);
    }

    private static Bundle Searchset(HttpRequest request, string type, List<Resource> all, int count, int offset) =>
        Searchset(request, type, all.Count, all.Skip(offset).Take(count), count, offset);

    /// <summary>A searchset of one page, given the total number of matches.</summary>
    private static Bundle Searchset(HttpRequest request, string type, int total, IEnumerable<Resource> page, int count, int offset)
    {
        var baseUrl = BaseUrl(request);
        var bundle = new Bundle { Type = Bundle.BundleType.Searchset, Total = total };
        var self = $"{baseUrl}/{type}{request.QueryString}";
        bundle.Link.Add(new Bundle.LinkComponent { Relation = "self", Url = self });
        if (offset + count < total)
        {
            var next = request.Query.Where(kv => kv.Key != "_offset").SelectMany(kv => kv.Value.Select(v => $"{Uri.EscapeDataString(kv.Key)}={Uri.EscapeDataString(v ?? "")}"))
                .Append($"_offset={(offset + count).ToString(CultureInfo.InvariantCulture)}");
            bundle.Link.Add(new Bundle.LinkComponent { Relation = "next", Url = $"{baseUrl}/{type}?{string.Join('&', next)}" });
        }
        foreach (var r in page)
            bundle.Entry.Add(new Bundle.EntryComponent { FullUrl = $"{baseUrl}/{type}/{r.Id}", Resource = r, Search = new Bundle.SearchComponent { Mode = Bundle.SearchEntryMode.Match } });
        return bundle;
    }

    private static Guid PatientParameter(Microsoft.Extensions.Primitives.StringValues values, ValidationErrors errors)
    {
        var raw = values.FirstOrDefault();
        if (string.IsNullOrEmpty(raw))
        {
            errors.Add("patient", "Required: Patient/{id} or {id}.");
            return default;
        }
        var text = raw.StartsWith("Patient/", StringComparison.Ordinal) ? raw["Patient/".Length..] : raw;
        if (Guid.TryParse(text, out var id)) return id;
        errors.Add("patient", "Must be Patient/{id} or {id} with a patient id of this service.");
        return default;
    }

    private static string CodeOf(string token) => token.Contains('|', StringComparison.Ordinal) ? token[(token.IndexOf('|', StringComparison.Ordinal) + 1)..] : token;

    private static List<FhirDateParameter> DateParameters(Microsoft.Extensions.Primitives.StringValues values, ValidationErrors errors)
    {
        var list = new List<FhirDateParameter>();
        foreach (var v in values)
        {
            if (v is not null && FhirDateParameter.TryParse(v, out var d)) list.Add(d!);
            else errors.Add("date", "Use eq|ge|gt|le|lt followed by yyyy, yyyy-MM, yyyy-MM-dd or a dateTime with offset.");
        }
        return list;
    }

    private static (int Count, int Offset, bool Descending) Paging(IQueryCollection q, ValidationErrors errors, bool allowSort)
    {
        var count = 50;
        if (q["_count"].FirstOrDefault() is { } c && (!int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count is < 1 or > 500))
        {
            errors.Add("_count", "Must be an integer from 1 to 500.");
            count = 50;
        }
        var offset = 0;
        if (q["_offset"].FirstOrDefault() is { } o && (!int.TryParse(o, NumberStyles.None, CultureInfo.InvariantCulture, out offset) || offset < 0))
            errors.Add("_offset", "Must be a non-negative integer.");
        var descending = false;
        if (q["_sort"].FirstOrDefault() is { } s)
        {
            if (allowSort && s is "date" or "-date") descending = s == "-date";
            else errors.Add("_sort", allowSort ? "Supported: date or -date." : "Not supported here.");
        }
        return (count, offset, descending);
    }
}
