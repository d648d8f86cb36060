using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Api.Infrastructure;

/// <summary>
/// <c>--backup &lt;file&gt;</c>: an online backup of the SQLite store through SQLite's backup API (sqlite3_backup), taken
/// while the service runs and writes — a consistent snapshot of every transaction committed when it started — then
/// checked with <c>PRAGMA integrity_check</c>, flushed to disk and only then moved to its name, so a file with the
/// name is always a whole, checked backup. One line on success; one line and exit code 1 otherwise. PostgreSQL is
/// backed up with its own tools (README "Backups").
/// </summary>
internal static class SqliteBackupCommand
{
    public const string Flag = "--backup";

    /// <summary>Null when the command line asks for no backup; else the process exit code (0 done, 1 refused or failed).</summary>
    public static int? TryRun(string[] args, IConfiguration configuration, TextWriter output, TextWriter error)
    {
        var at = Array.IndexOf(args, Flag);
        if (at < 0) return null;
        if (at + 1 >= args.Length || args[at + 1].StartsWith('-'))
            return Refuse(error, "--backup needs a destination file, e.g. --backup /var/backups/ketamine-outcomes-$(date +%F).db");
        if (!string.Equals(configuration[$"{StorageOptions.SectionName}:Provider"] ?? "sqlite", "sqlite", StringComparison.Ordinal))
            return Refuse(error, "--backup copies the SQLite store; back up PostgreSQL with pg_basebackup or pg_dump (README \"Backups\").");
        var named = args[at + 1];
        var destination = Path.GetFullPath(named);
        if (Directory.Exists(destination) || named.EndsWith('/') || named.EndsWith(Path.DirectorySeparatorChar))
            return Refuse(error, $"--backup needs a file name, not a folder: e.g. --backup {Path.Combine(destination, "ketamine-outcomes-backup.db")}");
        var folder = Path.GetDirectoryName(destination)!;
        if (!Directory.Exists(folder)) return Refuse(error, $"No folder {folder}: create it (mode 0700) first.");
        if (File.Exists(destination)) return Refuse(error, $"{destination} exists: a backup never overwrites a file; name a new one.");
        var source = new SqliteConnectionStringBuilder(configuration.GetConnectionString("Outcomes") ?? StorageOptions.DefaultSqliteConnectionString);
        var sourcePath = Path.GetFullPath(source.DataSource);
        if (!File.Exists(sourcePath)) return Refuse(error, $"No SQLite store at {sourcePath} (ConnectionStrings:Outcomes): nothing to back up.");

        // A name of its own per run (two runs at once never share a file), hidden, readable by its owner only — it holds
        // PHI — and removed with its journal files whatever happens, unless a failed integrity check keeps it to inspect.
        var partial = Path.Combine(folder, $".{Path.GetFileName(destination)}.{Guid.NewGuid():N}.partial");
        var keep = false;
        try
        {
            using (File.Create(partial)) { }
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(partial, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            // Read-only: a backup never changes the store, nor creates one where the path was wrong.
            source.Mode = SqliteOpenMode.ReadOnly;
            source.Pooling = false;
            using (var from = new SqliteConnection(source.ToString()))
            using (var to = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = partial, Pooling = false }.ToString()))
            {
                from.Open();
                to.Open();
                from.BackupDatabase(to);
                using var check = to.CreateCommand();
                check.CommandText = "PRAGMA integrity_check";
                if (check.ExecuteScalar() as string != "ok")
                {
                    keep = true;
                    return Refuse(error, $"The copy at {partial} failed PRAGMA integrity_check; it was kept for inspection.");
                }
            }
            using (var handle = File.OpenHandle(partial, FileMode.Open, FileAccess.ReadWrite)) RandomAccess.FlushToDisk(handle);
            try
            {
                File.Move(partial, destination, overwrite: false);
            }
            catch (IOException) when (File.Exists(destination))
            {
                return Refuse(error, $"{destination} exists (another backup took the name meanwhile): name a new one.");
            }
            output.WriteLine($"Backed up {sourcePath} to {destination} ({new FileInfo(destination).Length} bytes, integrity ok).");
            return 0;
        }
        catch (Exception e) when (e is SqliteException or IOException or UnauthorizedAccessException)
        {
            return Refuse(error, $"Backup to {destination} failed: {e.Message.Replace(partial, destination, StringComparison.Ordinal)}");
        }
        finally
        {
            if (!keep)
            {
                foreach (var leftover in new[] { partial, partial + "-journal", partial + "-wal", partial + "-shm" })
                {
                    try { File.Delete(leftover); } catch (IOException) { } catch (UnauthorizedAccessException) { }
                }
            }
        }
    }

    private static int Refuse(TextWriter error, string line)
    {
        error.WriteLine(line);
        return 1;
    }
}
