using System.Data;
using System.Data.Common;
using System.Globalization;
using System.Text;

namespace Keel.Bench;

/// <summary>A SQL command as Keel executed it: its text and its parameters' values.</summary>
public sealed record CapturedCommand(string Sql, IReadOnlyList<(string Name, object Value, DbType Type)> Parameters)
{
    public static CapturedCommand Of(DbCommand command) =>
        new(command.CommandText, [.. command.Parameters.Cast<DbParameter>().Select(p => (p.ParameterName, p.Value ?? DBNull.Value, p.DbType))]);

    public override string ToString()
    {
        var text = new StringBuilder(Sql.Trim()).AppendLine();
        foreach (var (name, value, _) in Parameters)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"-- {name} = '{value}'");
        }
        return text.ToString();
    }
}

/// <summary>
/// The plan of a query Keel issues, as the database reports it: <c>EXPLAIN QUERY PLAN</c> on SQLite,
/// <c>EXPLAIN (ANALYZE, BUFFERS)</c> (so it runs, with its real row counts and pages read) on PostgreSQL.
/// </summary>
public static class QueryPlan
{
    /// <summary>Sends <paramref name="send"/> and returns the first command Keel executed meanwhile that <paramref name="matches"/>.</summary>
    public static async Task<CapturedCommand> CaptureAsync(DbCommandCounter commands, Func<string, bool> matches, Func<Task> send)
    {
        CapturedCommand? captured = null;
        var seen = new System.Collections.Concurrent.ConcurrentQueue<string>();
        commands.OnCommand = c =>
        {
            seen.Enqueue(c.CommandText);
            if (matches(c.CommandText))
            {
                Interlocked.CompareExchange(ref captured, CapturedCommand.Of(c), null);
            }
        };
        try
        {
            await send();
        }
        finally
        {
            commands.OnCommand = null;
        }
        return captured ?? throw new InvalidOperationException(
            $"Keel executed no command like the one to explain; it executed {seen.Count}:\n{string.Join("\n", seen.Take(10))}");
    }

    public static async Task<string> ExplainAsync(BenchStorage storage, CapturedCommand query, CancellationToken ct)
    {
        await using var connection = await storage.OpenAsync(ct);
        var explain = storage.IsPostgres ? "EXPLAIN (ANALYZE, BUFFERS) " : "EXPLAIN QUERY PLAN ";
        await using var command = connection.CreateCommand();
        command.CommandText = explain + query.Sql;
        foreach (var (name, value, type) in query.Parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.DbType = type;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
        await using var reader = await command.ExecuteReaderAsync(ct);
        var plan = new StringBuilder();
        var depth = new Dictionary<long, int> { [0] = 0 };
        while (await reader.ReadAsync(ct))
        {
            if (storage.IsPostgres)
            {
                plan.AppendLine(reader.GetString(0));
                continue;
            }
            // SQLite: id, parent, notused, detail; a node is indented under its parent.
            var level = depth.GetValueOrDefault(reader.GetInt64(1)) + 1;
            depth[reader.GetInt64(0)] = level;
            plan.Append(' ', 2 * (level - 1)).AppendLine(reader.GetString(3));
        }
        return plan.ToString();
    }
}
