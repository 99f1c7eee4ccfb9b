using System.CommandLine;
using Keel.Hosting;

namespace Keel.Tests.Hosting;

/// <summary>Runs a <c>keel</c> verb in-process, as Program does, and captures what it prints.</summary>
internal static class KeelVerbs
{
    // The console is process-wide: one verb at a time.
    static readonly SemaphoreSlim ConsoleGate = new(1, 1);

    /// <summary>
    /// The exit code and what went to stdout and stderr. A <c>serve</c> that starts is stopped after
    /// <paramref name="timeout"/> (exit 0), so a test that expected a refusal fails instead of hanging.
    /// </summary>
    public static async Task<(int Exit, string Output, string Error)> RunAsync(string[] args, TimeSpan? timeout = null)
    {
        await ConsoleGate.WaitAsync();
        var (original, originalError) = (Console.Out, Console.Error);
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            Console.SetOut(output);
            Console.SetError(error);
            using var stop = new CancellationTokenSource(timeout ?? Timeout.InfiniteTimeSpan);
            var exit = await KeelCommandLine.Build().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, stop.Token);
            return (exit, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(original);
            Console.SetError(originalError);
            ConsoleGate.Release();
        }
    }
}
