namespace KetamineOutcomes.Api.Infrastructure;

/// <summary>The service's own command-line flags, rewritten into settings before ASP.NET Core reads the command line.</summary>
internal static class CommandLine
{
    /// <summary>Loads the synthetic demo cohort at start (README "Two commands"); stands for <c>--Seed:Demo=true</c>.</summary>
    public const string SeedDemo = "--seed-demo";

    /// <summary>
    /// The arguments with <c>--seed-demo</c> written as <c>--Seed:Demo=true</c>, anywhere on the line. Handed over as is,
    /// the bare flag would take the next argument as its value (<c>--seed-demo --urls http://…</c> read as
    /// <c>seed-demo=--urls</c>, and the address lost).
    /// </summary>
    public static string[] Normalize(string[] args) =>
        [.. args.Select(a => string.Equals(a, SeedDemo, StringComparison.Ordinal) ? $"--{SeedOptions.SectionName}:{nameof(SeedOptions.Demo)}=true" : a)];
}
