using KetamineOutcomes.Data.Infrastructure;

namespace KetamineOutcomes.Api.Infrastructure;

/// <summary>
/// Where the SQLite store may be created. The rule: the service creates the database file on its first run, but only
/// in a folder that exists; it never creates folders. A <c>Data Source</c> whose folder is missing, or that names a
/// folder, is almost always a typo (or an unmounted volume), and starting would put an empty store where nobody looks
/// while the real one waits elsewhere — so it is a configuration error: one line naming the path, exit code 1, before
/// anything starts (reported through <see cref="StartupProblem"/>; README "Configuration").
/// </summary>
internal static class SqliteStoreLocation
{
    /// <summary>Null for a PostgreSQL store, an in-memory one, or a file whose folder exists; else the line to print.</summary>
    public static string? Problem(IConnectionFactory connections)
    {
        if (connections is not SqliteConnectionFactory sqlite || IsInMemory(sqlite.DataSource)) return null;
        var path = Path.GetFullPath(sqlite.DataSource);
        if (Directory.Exists(path))
            return $"ConnectionStrings:Outcomes: Data Source {path} is a folder; name the database file in it, e.g. Data Source={Path.Combine(path, "ketamine-outcomes.db")}.";
        var folder = Path.GetDirectoryName(path);
        if (folder is not null && !Directory.Exists(folder))
            return $"ConnectionStrings:Outcomes: no folder {folder} for the SQLite store {path}. Correct the path, or create the folder (owned by the service's user, mode 0700) for a new store.";
        return null;
    }

    /// <summary>
    /// Null unless <paramref name="replica"/> (<c>ConnectionStrings:Research</c>) is a SQLite file that does not exist: a
    /// replica is a copy the operator keeps current, never created here, and an empty one would answer every research
    /// query with an empty cohort.
    /// </summary>
    public static string? ReplicaProblem(IConnectionFactory replica)
    {
        if (replica is not SqliteConnectionFactory sqlite || IsInMemory(sqlite.DataSource)) return null;
        var path = Path.GetFullPath(sqlite.DataSource);
        return File.Exists(path) ? null
            : $"ConnectionStrings:Research: no SQLite file {path} for the research replica. Correct the path, or leave ConnectionStrings:Research unset to read research from the primary store.";
    }

    /// <summary>
    /// True when the store file does not exist yet (it is about to be created); <paramref name="others"/> then lists the
    /// other <c>ketamine-outcomes*.db</c> files in its folder ("none"), so a path typed wrong is noticed at once.
    /// </summary>
    public static bool IsNew(SqliteConnectionFactory sqlite, out string others)
    {
        others = "none";
        if (IsInMemory(sqlite.DataSource)) return false;
        var path = Path.GetFullPath(sqlite.DataSource);
        if (File.Exists(path)) return false;
        var folder = Path.GetDirectoryName(path);
        var found = folder is null || !Directory.Exists(folder) ? [] : Directory.GetFiles(folder, "ketamine-outcomes*.db").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray();
        if (found.Length > 0) others = string.Join(", ", found);
        return true;
    }

    private static bool IsInMemory(string dataSource) =>
        dataSource.Length == 0 || string.Equals(dataSource, ":memory:", StringComparison.OrdinalIgnoreCase);
}
