using System.Data.Common;
using KetamineOutcomes.Api.Errors;
using KetamineOutcomes.Data.Stores;

namespace KetamineOutcomes.Api.Endpoints;

/// <summary>The one gate every per-patient endpoint passes: the patient must exist (and, later, be in the caller's site).</summary>
internal static class PatientAccess
{
    public static async Task EnsureExistsAsync(DbConnection c, Guid patientId, DbTransaction? tx, CancellationToken ct)
    {
        if (!await PatientStore.ExistsAsync(c, patientId, tx, ct).ConfigureAwait(false))
            throw new ResourceNotFoundException("Patient");
    }
}
