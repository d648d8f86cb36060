using Dapper;

namespace KetamineOutcomes.Data.Infrastructure;

/// <summary>
/// Dapper read mappings for SQLite, which has no uuid or timestamp type. Only the read side matters: Dapper binds
/// Guid and DateTimeOffset parameters itself, ignoring custom handlers, so stores pass instants as
/// <see cref="DbTime.ToDb(DateTimeOffset)"/> explicitly (and STRICT tables refuse anything else).
/// </summary>
public static class SqliteTypeHandlers
{
    private static int _registered;

    public static void Register()
    {
        if (Interlocked.Exchange(ref _registered, 1) == 1) return;
        SqlMapper.AddTypeHandler(new InstantHandler());
        SqlMapper.AddTypeHandler(new GuidHandler());
    }

    // Microsoft.Data.Sqlite binds Guid parameters as (upper-case) TEXT; read them back from that text (PostgreSQL gives uuid).
    private sealed class GuidHandler : SqlMapper.TypeHandler<Guid>
    {
        public override void SetValue(System.Data.IDbDataParameter parameter, Guid value) => parameter.Value = value;

        public override Guid Parse(object value) => value switch
        {
            Guid g => g, // PostgreSQL uuid
            string s => Guid.Parse(s),
            _ => throw new System.Data.DataException($"Cannot read a Guid from {value.GetType().Name}."),
        };
    }

    private sealed class InstantHandler : SqlMapper.TypeHandler<DateTimeOffset>
    {
        public override void SetValue(System.Data.IDbDataParameter parameter, DateTimeOffset value) =>
            throw new InvalidOperationException("Pass instants to SQL as DbTime.ToDb(value).");

        public override DateTimeOffset Parse(object value) => DbTime.FromDb(Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture));
    }
}
