using System.Globalization;

namespace Keel.Bench;

/// <summary>
/// CPU time spent, to say where a phase's time went on a machine with few cores: the whole machine's
/// busy time (from <c>/proc/stat</c>, every process including other work on a shared machine) and the
/// CPU time of given processes.
/// </summary>
internal static class CpuTimes
{
    /// <summary>Busy and total CPU time of the machine since boot, summed over its cores; zeros where <c>/proc/stat</c> is missing.</summary>
    public static (TimeSpan Busy, TimeSpan Total) Machine()
    {
        if (!File.Exists("/proc/stat"))
        {
            return (TimeSpan.Zero, TimeSpan.Zero);
        }
        // cpu  user nice system idle iowait irq softirq steal guest guest_nice, in clock ticks (USER_HZ, 100 on Linux)
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Skip(1).Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        var total = fields.Sum();
        var idle = fields[3] + fields[4];
        return (Ticks(total - idle), Ticks(total));
    }

    /// <summary>A process's user and system CPU time so far, or null when it is gone.</summary>
    public static TimeSpan? Process(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return process.TotalProcessorTime;
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    public static TimeSpan ThisProcess()
    {
        using var self = System.Diagnostics.Process.GetCurrentProcess();
        return self.TotalProcessorTime;
    }

    static TimeSpan Ticks(long userHz) => TimeSpan.FromSeconds(userHz / 100.0);
}
