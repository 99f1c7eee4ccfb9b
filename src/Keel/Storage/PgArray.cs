using Npgsql;
using NpgsqlTypes;

namespace Keel.Storage;

/// <summary>
/// A PostgreSQL array parameter, for statements that write many rows at once over <c>unnest</c>: one statement text
/// whatever the row count, so it is parsed and planned once (auto-prepared), where the change tracker sends a
/// statement per row.
/// </summary>
internal static class PgArray
{
    public static NpgsqlParameter Of<T>(string name, IEnumerable<T> values, NpgsqlDbType type) =>
        new(name, NpgsqlDbType.Array | type) { Value = values.ToArray() };
}
