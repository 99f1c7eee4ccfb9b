using System.Diagnostics;

namespace Keel.Bench;

/// <summary>
/// A wall-clock window and the CPU time spent in it: by the machine, this process, Keel's process (if separate), the
/// database's backends and its server's background processes.
/// </summary>
public sealed record CpuWindow(
    TimeSpan Wall, TimeSpan MachineBusy, TimeSpan MachineTotal, TimeSpan Bench, TimeSpan? Keel, TimeSpan? Database, TimeSpan? DatabaseBackground = null)
{
    /// <summary>Cores' worth of CPU a share of the window used (1.0 = one core busy the whole time).</summary>
    public double Cores(TimeSpan? cpu) => cpu is { } c && Wall > TimeSpan.Zero ? c / Wall : double.NaN;

    /// <summary>The machine's busy time not accounted for by the parts measured (other work, short-lived database processes).</summary>
    public TimeSpan Other => MachineBusy - Bench - (Keel ?? TimeSpan.Zero) - (Database ?? TimeSpan.Zero) - (DatabaseBackground ?? TimeSpan.Zero);
}

/// <summary>Takes a <see cref="CpuWindow"/>: <see cref="StartAsync"/> at the beginning, <see cref="StopAsync"/> at the end.</summary>
internal sealed class CpuMeter
{
    readonly int? _keelPid;
    readonly Func<CancellationToken, Task<Dictionary<int, PostgresProcessCpu>>>? _databaseBackends;
    long _start;
    (TimeSpan Busy, TimeSpan Total) _machine;
    TimeSpan _bench;
    TimeSpan? _keel;
    Dictionary<int, PostgresProcessCpu>? _backends;

    /// <param name="keelPid">Keel's process when it runs apart from the bench.</param>
    /// <param name="databaseBackends">The database's processes and their CPU time so far (PostgreSQL), or null.</param>
    public CpuMeter(int? keelPid, Func<CancellationToken, Task<Dictionary<int, PostgresProcessCpu>>>? databaseBackends)
    {
        _keelPid = keelPid;
        _databaseBackends = databaseBackends;
    }

    public async Task StartAsync(CancellationToken ct)
    {
        _backends = _databaseBackends is null ? null : await _databaseBackends(ct);
        _machine = CpuTimes.Machine();
        _bench = CpuTimes.ThisProcess();
        _keel = _keelPid is { } pid ? CpuTimes.Process(pid) : null;
        _start = Stopwatch.GetTimestamp();
    }

    public async Task<CpuWindow> StopAsync(CancellationToken ct)
    {
        var wall = Stopwatch.GetElapsedTime(_start);
        var machine = CpuTimes.Machine();
        var bench = CpuTimes.ThisProcess();
        var keel = _keelPid is { } pid ? CpuTimes.Process(pid) : null;
        TimeSpan? database = null, background = null;
        if (_databaseBackends is not null)
        {
            // A process that started in the window counts from zero; one that ended in it is not seen (Keel's pool keeps its
            // connections; a short autovacuum worker may be missed and stays in "other").
            var now = await _databaseBackends(ct);
            TimeSpan Spent(bool inBackground) => now.Where(p => p.Value.Background == inBackground)
                .Aggregate(TimeSpan.Zero, (sum, p) => sum + p.Value.Cpu - (_backends!.TryGetValue(p.Key, out var before) ? before.Cpu : TimeSpan.Zero));
            (database, background) = (Spent(false), Spent(true));
        }
        return new CpuWindow(wall, machine.Busy - _machine.Busy, machine.Total - _machine.Total, bench - _bench, keel - _keel, database, background);
    }
}
