using System.Text;
using Keel.Tests.Infrastructure;
using Microsoft.Extensions.Logging;

namespace Keel.Tests.Fuzz;

/// <summary>One broken promise: which request (replayable from the seed, batch and index), what came back, and why it is wrong.</summary>
public sealed record Violation(string Route, string Kind, string Request, string Answer, string? Context = null);

/// <summary>Everything the fuzz saw: violations grouped by route and kind, and counts of what was sent and answered.</summary>
public sealed class FuzzReport(FuzzSettings settings)
{
    const int GroupsShown = 40;

    readonly List<Violation> _violations = [];
    readonly SortedDictionary<string, int> _statuses = new(StringComparer.Ordinal);
    readonly Dictionary<string, TimeSpan> _time = [];

    public IReadOnlyList<Violation> Violations => _violations;

    public int Requests { get; private set; }

    public void Add(Violation violation) => _violations.Add(violation);

    public void Count(string route, int status, TimeSpan took)
    {
        Requests++;
        _time[route] = _time.GetValueOrDefault(route) + took;
        var key = $"{route} {status}";
        _statuses[key] = _statuses.GetValueOrDefault(key) + 1;
    }

    /// <summary>Error and Critical log entries that carry an exception: a failure Keel did not handle.</summary>
    public void AddLogErrors(IEnumerable<CapturedLog> entries)
    {
        foreach (var entry in entries.Where(e => e.Level >= LogLevel.Error && e.Exception is not null))
        {
            // The innermost exception says what failed (the database's error, not EF Core's wrapper).
            var exception = entry.Exception!.GetBaseException();
            var frame = exception.StackTrace?.Split('\n').FirstOrDefault()?.Trim();
            _violations.Add(new Violation("log", $"{entry.Level} with exception", entry.Category + ": " + entry.Message,
                $"{exception.GetType().Name}: {exception.Message} {frame}"));
        }
    }

    /// <summary>Status counts per route, for the test output: shows what the run reached.</summary>
    public string Summary() =>
        $"{Requests} requests, seed {settings.Seed}, {settings.Iterations} hostile writes\n" +
        string.Join('\n', _statuses.Select(s => $"  {s.Key}: {s.Value}")) +
        "\nslowest routes (total seconds): " + string.Join(", ", _time.OrderByDescending(t => t.Value).Take(8).Select(t => $"{t.Key} {t.Value.TotalSeconds:F1}"));

    public string Describe()
    {
        var text = new StringBuilder()
            .Append(_violations.Count).Append(" violations in ").Append(Requests).Append(" requests. Replay: ").Append(settings.Replay).Append('\n');
        foreach (var group in _violations.GroupBy(v => (v.Route, v.Kind)).Take(GroupsShown))
        {
            var first = group.First();
            text.Append("\n[").Append(group.Count()).Append("x] ").Append(group.Key.Route).Append(": ").Append(group.Key.Kind).Append('\n')
                .Append("  request: ").Append(first.Request).Append('\n')
                .Append("  answer:  ").Append(first.Answer).Append('\n');
            if (first.Context is not null)
            {
                text.Append("  context: ").Append(first.Context).Append('\n');
            }
        }
        return text.ToString();
    }
}
