using Keel.Tests.Infrastructure;

namespace Keel.Tests.Hosting;

/// <summary>A Keel process stops cleanly on SIGTERM, also when the signal comes twice (dotnet run, a shell and its child).</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task Sigterm_Twice_ExitsCleanlyWithoutUnhandledException()
    {
        // The in-process node creates and migrates the database the process then uses.
        var node = await WebhookFixture.StartNodeAsync(Provider.Sqlite);
        try
        {
            await using var process = await WorkerProcess.StartAsync(node.Provider, node.ConnectionString, new Dictionary<string, string?> { ["Keel:MasterKey"] = WebhookFixture.MasterKey });

            var exitCode = await process.TerminateAsync(times: 2);

            Assert.DoesNotContain(process.Output, line => line.Contains("Unhandled exception", StringComparison.Ordinal));
            Assert.Equal(0, exitCode);
        }
        finally
        {
            await node.StopAsync();
        }
    }
}
