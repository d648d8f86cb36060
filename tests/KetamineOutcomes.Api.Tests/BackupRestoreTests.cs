using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// Issue 19, point 14: an online backup of the SQLite store (<c>--backup &lt;file&gt;</c>, SQLite's backup API) taken while
/// the built service writes, restored into a fresh file under a fresh service, holds every submission acknowledged
/// before the backup began — and nothing that was never submitted.
/// </summary>
public sealed class BackupRestoreTests : IDisposable
{
    private const string AdminKey = "backup-test-bootstrap-admin-key-0123456789";
    private readonly string _live = Directory.CreateTempSubdirectory("ko-backup-live-").FullName;
    private readonly string _restored = Directory.CreateTempSubdirectory("ko-backup-restored-").FullName;
    private readonly string _backups = Directory.CreateTempSubdirectory("ko-backup-files-").FullName;

    private static Dictionary<string, string> Environment(string dir) => new()
    {
        ["Auth__BootstrapAdminKey"] = AdminKey,
        ["ASPNETCORE_ENVIRONMENT"] = "Production",
        ["ConnectionStrings__Outcomes"] = $"Data Source={Path.Combine(dir, "outcomes.db")}",
        ["RateLimiting__PermitsPerSecond"] = "100000",
        ["RateLimiting__Burst"] = "100000",
    };

    /// <summary>Runs <c>dotnet KetamineOutcomes.Api.dll --backup …</c> as an operator (or cron) would.</summary>
    private static async Task<(int Code, string Out, string Error)> BackupAsync(string source, string destination, string? provider = null)
    {
        var start = new ProcessStartInfo("dotnet", [BuiltService.Dll, "--backup", destination])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        start.Environment["ConnectionStrings__Outcomes"] = $"Data Source={source}";
        if (provider is not null) start.Environment["Storage__Provider"] = provider;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, (await stdout).Trim(), (await stderr).Trim());
    }

    private static async Task<HttpClient> ClinicianAsync(Uri baseUri)
    {
        using var admin = new HttpClient { BaseAddress = baseUri };
        admin.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        var created = await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "backup test", role = "clinician" });
        var client = new HttpClient { BaseAddress = baseUri };
        client.DefaultRequestHeaders.Add("X-Api-Key", (string)(await created.Content.ReadFromJsonAsync<JsonNode>())!["key"]!);
        return client;
    }

    [Fact]
    public async Task A_backup_taken_under_write_load_restores_every_submission_acknowledged_before_it_began()
    {
        string patient;
        var acknowledged = new ConcurrentBag<(string Id, long At)>();
        var sent = new ConcurrentBag<string>();
        long backupBegan;
        (int Code, string Out, string Error) backup;
        var file = Path.Combine(_backups, "outcomes-backup.db");
        using (var live = new BuiltService(_live, Environment(_live)))
        {
            using var clinician = await ClinicianAsync(await live.ListeningAsync());
            var created = await clinician.PostAsJsonAsync("/api/v1/patients", new { mrn = "BACKUP-1", siteId = "north", researchConsent = false });
            patient = (string)(await created.Content.ReadFromJsonAsync<JsonNode>())!["id"]!;
            var clock = Stopwatch.StartNew();
            using var stop = new CancellationTokenSource();
            var writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
            {
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    var completedAt = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(w * 100_000 + i);
                    var key = Guid.NewGuid().ToString();
                    sent.Add(key);
                    using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/patients/{patient}/questionnaires")
                    {
                        Content = JsonContent.Create(new { instrument = "phq9", completedAt, items = new[] { 1, 1, 1, 1, 1, 1, 1, 1, 0 } }),
                    };
                    request.Headers.Add("Idempotency-Key", key);
                    using var response = await clinician.SendAsync(request);
                    if (response.StatusCode == HttpStatusCode.Created)
                        acknowledged.Add(((string)(await response.Content.ReadFromJsonAsync<JsonNode>())!["id"]!, clock.ElapsedTicks));
                }
            })).ToArray();
            // Under load first (however slow the machine): at least 20 acknowledged before the backup begins.
            for (var waited = 0; acknowledged.Count < 20 && waited < 600; waited++) await Task.Delay(100);
            backupBegan = clock.ElapsedTicks;
            backup = await BackupAsync(Path.Combine(_live, "outcomes.db"), file);
            var atEnd = acknowledged.Count;
            for (var waited = 0; acknowledged.Count < atEnd + 5 && waited < 600; waited++) await Task.Delay(100);
            await stop.CancelAsync();
            await Task.WhenAll(writers);
        }

        Assert.True(backup.Code == 0, backup.Error);
        Assert.Matches(@"^Backed up .+outcomes\.db to .+outcomes-backup\.db \(\d+ bytes, integrity ok\)\.$", backup.Out);
        var before = acknowledged.Where(a => a.At < backupBegan).Select(a => a.Id).ToHashSet();
        Assert.True(before.Count >= 20, $"only {before.Count} submissions acknowledged before the backup: not a write load");
        Assert.True(acknowledged.Count > before.Count, "writes went on while the backup ran");

        // Restore: stop nothing (the live service is gone), put the backup in place of a fresh store, start on it.
        File.Copy(file, Path.Combine(_restored, "outcomes.db"));
        using var restored = new BuiltService(_restored, Environment(_restored));
        using var reader = await ClinicianAsync(await restored.ListeningAsync());
        var found = new HashSet<string>();
        string? cursor = null;
        do
        {
            var page = (await reader.GetFromJsonAsync<JsonNode>($"/api/v1/patients/{patient}/questionnaires?limit=500{(cursor is null ? "" : $"&cursor={cursor}")}"))!;
            foreach (var item in page["items"]!.AsArray()) found.Add((string)item!["id"]!);
            cursor = (string?)page["nextCursor"];
        }
        while (cursor is not null);
        Assert.Empty(before.Except(found));
        Assert.True(found.Count <= sent.Count, "the restored store holds submissions never sent");
        Assert.True(found.Count >= before.Count);
    }

    [Fact]
    public async Task A_backup_never_overwrites_a_file_and_refuses_a_missing_store_or_PostgreSQL_in_one_line()
    {
        var existing = Path.Combine(_backups, "taken.db");
        await File.WriteAllTextAsync(existing, "an earlier backup");
        var store = Path.Combine(_live, "outcomes.db");
        await using (var c = new SqliteConnection($"Data Source={store};Pooling=False"))
        {
            await c.OpenAsync();
            await using var create = c.CreateCommand();
            create.CommandText = "CREATE TABLE t (x INTEGER)";
            await create.ExecuteNonQueryAsync();
        }

        foreach (var (source, destination, provider, message) in new[]
        {
            (store, existing, (string?)null, "exists: a backup never overwrites a file"),
            (Path.Combine(_live, "missing.db"), Path.Combine(_backups, "a.db"), null, "No SQLite store at"),
            (store, Path.Combine(_backups, "b.db"), "postgres", "pg_basebackup or pg_dump"),
        })
        {
            var (code, stdout, stderr) = await BackupAsync(source, destination, provider);
            Assert.Equal(1, code);
            Assert.Empty(stdout);
            Assert.Single(stderr.Split('\n'));
            Assert.Contains(message, stderr, StringComparison.Ordinal);
        }
        Assert.Equal("an earlier backup", await File.ReadAllTextAsync(existing));
        Assert.False(File.Exists(Path.Combine(_live, "missing.db")), "a backup never creates the store it was asked to copy");
    }

    [Fact]
    public async Task A_backup_is_readable_by_its_owner_only_refuses_a_folder_and_runs_at_once_leave_one_backup_and_nothing_else()
    {
        var store = Path.Combine(_live, "outcomes.db");
        await using (var c = new SqliteConnection($"Data Source={store};Pooling=False"))
        {
            await c.OpenAsync();
            await using var create = c.CreateCommand();
            create.CommandText = "CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)";
            await create.ExecuteNonQueryAsync();
        }

        // A folder, with or without its slash, and a missing folder: refused in one line, nothing written.
        foreach (var (destination, message) in new[] { (_backups, "needs a file name, not a folder"), (_backups + "/", "needs a file name, not a folder"),
                     (Path.Combine(_backups, "missing", "x.db"), "No folder") })
        {
            var (code, _, stderr) = await BackupAsync(store, destination);
            Assert.Equal(1, code);
            Assert.Contains(message, Assert.Single(stderr.Split('\n')), StringComparison.Ordinal);
            Assert.DoesNotContain(".partial", stderr, StringComparison.Ordinal);
        }
        Assert.Empty(Directory.EnumerateFileSystemEntries(_backups));

        // Three runs at once to one name: exactly one backup, the others refused, no partial or journal file left.
        var file = Path.Combine(_backups, "same-name.db");
        var runs = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => BackupAsync(store, file)));
        Assert.Equal(1, runs.Count(r => r.Code == 0));
        Assert.All(runs.Where(r => r.Code != 0), r => Assert.Contains("exists", Assert.Single(r.Error.Split('\n')), StringComparison.Ordinal));
        Assert.Equal([file], Directory.EnumerateFileSystemEntries(_backups).ToArray());
        // It holds PHI: owner read and write only, whatever the umask.
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var dir in new[] { _live, _restored, _backups }) Directory.Delete(dir, recursive: true);
    }
}
