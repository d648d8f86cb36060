namespace KetamineOutcomes.Api.Tests;

internal static class RepoPaths
{
    /// <summary>The repository root (the folder holding KetamineOutcomes.sln), found from the test binaries.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "KetamineOutcomes.sln"))) return dir.FullName;
        }
        throw new InvalidOperationException("Repository root (KetamineOutcomes.sln) not found above the test binaries.");
    }
}
