namespace KetamineOutcomes.Api.Tests;

/// <summary>
/// A test that needs PostgreSQL itself (two instances on one database): runs when KO_TEST_POSTGRES names a server, as
/// <see cref="TestStore"/> then gives every test a database there; reported skipped otherwise, never silently passed.
/// </summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        if (string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(TestStore.PostgresVariable)))
            Skip = $"{TestStore.PostgresVariable} is not set. To run: {TestStore.PostgresVariable}=\"Host=127.0.0.1;Port=5433;Username=postgres;Database=postgres\" dotnet test " +
                "(a PostgreSQL server where tests may create databases; .ci/run starts one and sets it).";
    }
}
