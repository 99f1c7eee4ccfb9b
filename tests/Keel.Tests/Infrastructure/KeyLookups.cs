using System.Data.Common;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Keel.Tests.Infrastructure;

/// <summary>
/// Counts the database reads of a key by its hash (what a key cache miss costs), so a test can show that some input
/// never reached the database. Tests pair it with one lookup that must count, so a change of the SQL cannot make it
/// silently count nothing.
/// </summary>
public sealed class KeyLookups : DbCommandInterceptor
{
    long _count;

    public long Count => Interlocked.Read(ref _count);

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        if (command.CommandText.Contains("api_keys", StringComparison.Ordinal)
            && System.Text.RegularExpressions.Regex.IsMatch(command.CommandText, @"\.""?hash""? = @"))
        {
            Interlocked.Increment(ref _count);
        }
        return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
    }
}
