using System.Data.Common;
using KetamineOutcomes.Api.Errors;
using KetamineOutcomes.Api.Security;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Endpoints;

/// <summary>
/// The one gate every per-patient endpoint passes: the patient exists and the caller may see it
/// (<see cref="Caller.CanSee(Guid, string?)"/>: in the caller's site, and the caller's own patient for a patient-bound
/// key). Another site's patient, or another patient for a patient-bound key, answers exactly like a missing one (404), so
/// existence is not leaked.
/// </summary>
internal static class PatientAccess
{
    /// <exception cref="ResourceNotFoundException">The patient does not exist or the caller may not see it.</exception>
    public static async Task EnsureVisibleAsync(DbConnection c, Guid patientId, Caller caller, DbTransaction? tx, CancellationToken ct)
    {
        if (!await IsVisibleAsync(c, patientId, caller, tx, ct).ConfigureAwait(false)) throw new ResourceNotFoundException("Patient");
    }

    /// <summary>Whether the patient exists and the caller may see it; for reads that skip what the caller may not see.</summary>
    public static async Task<bool> IsVisibleAsync(DbConnection c, Guid patientId, Caller caller, DbTransaction? tx, CancellationToken ct) =>
        await PatientStore.SiteOfAsync(c, patientId, tx, ct).ConfigureAwait(false) is { } site && caller.CanSee(patientId, site.SiteId);
}
