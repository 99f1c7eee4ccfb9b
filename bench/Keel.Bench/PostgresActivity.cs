using System.Text.RegularExpressions;
using Npgsql;

namespace Keel.Bench;

/// <summary>
/// A sampling profile of what Keel's database connections are doing (pg_stat_statements is not available):
/// every <see cref="Interval"/>, <c>pg_stat_activity</c> for the bench's own database, each backend that is
/// not idle counted under its statement (verb and table) and its state and wait event. The average count
/// per sample is how many backends were busy with that on average; 1.0 is one backend all the time.
/// </summary>
internal sealed partial class PostgresActivity(string connectionString) : IAsyncDisposable
{
    static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);
    readonly Dictionary<(string Statement, string State), long> _counts = [];
    CancellationTokenSource? _stop;
    Task? _loop;
    long _samples;

    /// <summary>
    /// The CPU time so far of every backend connected to the database and of the server's background processes (WAL
    /// writer, checkpointer, autovacuum...; Linux, where each is a process), by pid.
    /// </summary>
    public async Task<Dictionary<int, PostgresProcessCpu>> BackendCpuAsync(CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand(
            "SELECT pid, backend_type <> 'client backend' FROM pg_stat_activity WHERE datname = current_database() OR datname IS NULL", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var cpu = new Dictionary<int, PostgresProcessCpu>();
        while (await reader.ReadAsync(ct))
        {
            var pid = reader.GetInt32(0);
            if (CpuTimes.Process(pid) is { } t)
            {
                cpu[pid] = new PostgresProcessCpu(t, reader.GetBoolean(1));
            }
        }
        return cpu;
    }

    public void Start()
    {
        _stop = new CancellationTokenSource();
        _loop = Task.Run(() => SampleAsync(_stop.Token));
    }

    /// <summary>Stops sampling; returns each (statement, state) with the average number of backends in it, busiest first.</summary>
    public async Task<List<(string Statement, string State, double Backends)>> StopAsync()
    {
        if (_stop is not null)
        {
            await _stop.CancelAsync();
            await _loop!;
        }
        var samples = Math.Max(1, _samples);
        return [.. _counts.Select(c => (c.Key.Statement, c.Key.State, c.Value / (double)samples)).OrderByDescending(c => c.Item3)];
    }

    async Task SampleAsync(CancellationToken ct)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(ct);
        await using var command = new NpgsqlCommand("""
            SELECT state, coalesce(wait_event_type || ':' || wait_event, 'CPU'), left(query, 300), position('SKIP LOCKED' in query) > 0
            FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND state <> 'idle'
            """, connection);
        await command.PrepareAsync(ct);
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                await using var reader = await command.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    var state = reader.GetString(0) == "active" ? reader.GetString(1) : reader.GetString(0);
                    var key = (Statement(reader.GetString(2), reader.GetBoolean(3)), state);
                    _counts[key] = _counts.GetValueOrDefault(key) + 1;
                }
                _samples++;
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // stopped
        }
    }

    /// <summary>The statement's verb and table (<c>UPDATE webhook_deliveries</c>), marked when it is the claim (SKIP LOCKED).</summary>
    static string Statement(string sql, bool claim)
    {
        var match = VerbAndTable().Match(sql);
        var label = match.Success ? $"{match.Groups["verb"].Value.ToUpperInvariant()} {match.Groups["table"].Value}" : sql.Split(' ', 2)[0].ToUpperInvariant();
        return claim ? label + " (claim)"
            : sql.Contains("pg_notify", StringComparison.OrdinalIgnoreCase) ? "SELECT pg_notify"
            : label;
    }

    [GeneratedRegex("""^\s*(?:(?<verb>insert)\s+into|(?<verb>update)|(?<verb>delete)\s+from|(?<verb>select)\b.*?\bfrom)\s+"?(?<table>[a-z_]+)""",
        RegexOptions.IgnoreCase | RegexOptions.Singleline)]
    private static partial Regex VerbAndTable();

    public async ValueTask DisposeAsync()
    {
        if (_stop is not null)
        {
            await _stop.CancelAsync();
            await _loop!.ContinueWith(_ => { }, TaskScheduler.Default);
            _stop.Dispose();
        }
    }
}

/// <summary>A PostgreSQL process's CPU time so far, and whether it is a background process rather than a client's backend.</summary>
public readonly record struct PostgresProcessCpu(TimeSpan Cpu, bool Background);
