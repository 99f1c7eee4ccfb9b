using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using static SQLitePCL.raw;

namespace Keel.Storage;

/// <summary>Database failures told apart by their provider's error codes, never by their messages.</summary>
public static class DbErrors
{
    /// <summary>True when a save failed on a unique index (a lost race for a slug, a name), on either provider.</summary>
    public static bool IsUniqueViolation(this DbUpdateException e) => e.InnerException switch
    {
        PostgresException pg => pg.SqlState == PostgresErrorCodes.UniqueViolation,
        SqliteException lite => lite.SqliteErrorCode == SQLITE_CONSTRAINT
            && lite.SqliteExtendedErrorCode is SQLITE_CONSTRAINT_UNIQUE or SQLITE_CONSTRAINT_PRIMARYKEY,
        _ => false,
    };

    /// <summary>PostgreSQL text cannot hold U+0000 (SQLite can): the value was the client's, not Keel's fault.</summary>
    public static bool IsNulInText(DbException e) => e.SqlState == PostgresErrorCodes.CharacterNotInRepertoire;

    /// <summary>The database cannot be reached or is busy: worth retrying, and no bug of Keel's.</summary>
    public static bool IsUnavailable(DbException e) => e switch
    {
        NpgsqlException pg => pg.IsTransient,
        SqliteException lite => lite.SqliteErrorCode is SQLITE_BUSY or SQLITE_LOCKED,
        _ => false,
    };
}
