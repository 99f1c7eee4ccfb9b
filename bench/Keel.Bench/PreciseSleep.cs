using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Keel.Bench;

/// <summary>
/// Sleeps until a <see cref="Stopwatch"/> timestamp with sub-millisecond precision, which a fixed-rate
/// schedule of 1,000 requests/s needs (<see cref="Thread.Sleep(int)"/> sleeps whole milliseconds and
/// more). On Linux through clock_nanosleep (about 50 µs of timer slack); elsewhere by yielding.
/// </summary>
internal static partial class PreciseSleep
{
    const int ClockMonotonic = 1;

    [StructLayout(LayoutKind.Sequential)]
    struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_nanosleep")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static partial int ClockNanosleep(int clock, int flags, in Timespec request, IntPtr remain);

    public static void Until(long timestamp)
    {
        while (true)
        {
            var remaining = timestamp - Stopwatch.GetTimestamp();
            if (remaining <= 0)
            {
                return;
            }
            if (!OperatingSystem.IsLinux())
            {
                Thread.Yield();
                continue;
            }
            var nanos = (long)(remaining * (1_000_000_000.0 / Stopwatch.Frequency));
            var request = new Timespec { Seconds = nanos / 1_000_000_000, Nanoseconds = nanos % 1_000_000_000 };
            _ = ClockNanosleep(ClockMonotonic, 0, request, IntPtr.Zero);
        }
    }
}
