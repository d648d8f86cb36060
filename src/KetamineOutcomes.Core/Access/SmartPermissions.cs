namespace KetamineOutcomes.Core.Access;

/// <summary>
/// The SMART v2 permission letters (SMART App Launch 2.x, "Scopes for requesting FHIR resources"), in their written order
/// c, r, u, d, s: create; read (read, vread, history of one resource); update (update, patch); delete; search.
/// </summary>
[Flags]
public enum SmartPermissions
{
    None = 0,
    Create = 1,
    Read = 2,
    Update = 4,
    Delete = 8,
    Search = 16,
    All = Create | Read | Update | Delete | Search,
}

/// <summary>The context a SMART resource scope is granted in (the part before the slash).</summary>
public enum SmartContext
{
    /// <summary><c>patient/</c>: only the patient in the launch context.</summary>
    Patient,

    /// <summary><c>user/</c>: what the signed-in user may see.</summary>
    User,

    /// <summary><c>system/</c>: a back-end system acting for itself (SMART Backend Services).</summary>
    System,
}

/// <summary>Letters and names of <see cref="SmartPermissions"/>, as scopes write them.</summary>
public static class SmartPermissionLetters
{
    /// <summary>The letters in SMART's order.</summary>
    public const string Order = "cruds";

    private static readonly SmartPermissions[] Flags =
        [SmartPermissions.Create, SmartPermissions.Read, SmartPermissions.Update, SmartPermissions.Delete, SmartPermissions.Search];

    /// <summary>The permission of one letter of <see cref="Order"/>, or <see cref="SmartPermissions.None"/> for any other character.</summary>
    public static SmartPermissions Of(char letter) => Order.IndexOf(letter, StringComparison.Ordinal) is var i and >= 0 ? Flags[i] : SmartPermissions.None;

    /// <summary>The letters of <paramref name="permissions"/> in SMART's order, e.g. <c>rs</c>.</summary>
    public static string Write(SmartPermissions permissions) =>
        string.Concat(Order.Where(c => (permissions & Of(c)) != 0));

    /// <summary>The context's scope prefix word: <c>patient</c>, <c>user</c> or <c>system</c>.</summary>
    public static string Word(SmartContext context) => context switch
    {
        SmartContext.Patient => "patient",
        SmartContext.User => "user",
        _ => "system",
    };
}
