using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Keel.Storage;

public static class DbErrors
{
    /// <summary>True when a save failed on a unique index (a lost race for a slug, a name), on either provider.</summary>
    public static bool IsUniqueViolation(this DbUpdateException e) => e.InnerException switch
    {
        PostgresException pg => pg.SqlState == PostgresErrorCodes.UniqueViolation,
        // 19 is SQLITE_CONSTRAINT; 2067 its extended code for a UNIQUE index, 1555 for a primary key.
        SqliteException lite => lite.SqliteErrorCode == 19 && lite.SqliteExtendedErrorCode is 2067 or 1555,
        _ => false,
    };
}
