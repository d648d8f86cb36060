using System.Data.Common;
using KetamineOutcomes.Api.Errors;
using KetamineOutcomes.Api.Security;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Endpoints;

/// <summary>
/// The one gate every per-patient endpoint passes: the patient exists and is in the caller's site. Another site's
/// patient answers exactly like a missing one (404), so existence is not leaked.
/// </summary>
internal static class PatientAccess
{
    public static async Task EnsureVisibleAsync(DbConnection c, Guid patientId, Caller caller, DbTransaction? tx, CancellationToken ct)
    {
        var site = await PatientStore.SiteOfAsync(c, patientId, tx, ct).ConfigureAwait(false);
        if (site is null || !caller.CanSee(site.SiteId)) throw new ResourceNotFoundException("Patient");
    }
}
