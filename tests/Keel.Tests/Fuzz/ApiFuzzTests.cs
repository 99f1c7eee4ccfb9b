using Keel.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace Keel.Tests.Fuzz;

/// <summary>
/// Every write route of the OpenAPI document gets malformed, deep, huge and Unicode-edge bodies, and
/// every read route runs after each batch: no answer is a 5xx, every non-2xx is a catalogued
/// problem+json, no body shows a stack trace, the log has no unhandled exception and the node is still
/// live at the end. The seed is fixed; KEEL_FUZZ_SEED and KEEL_FUZZ_ITERATIONS run other or longer fuzzes.
/// </summary>
public abstract class ApiFuzzTests(Provider provider, ITestOutputHelper output)
{
    [Fact]
    public async Task EveryRoute_HostileRequests_AnswerCataloguedProblemsAndKeepReadsWorking()
    {
        var settings = FuzzSettings.FromEnvironment();
        using var captured = new CapturingLoggerProvider();
        var database = await KeelFixture.NewDatabaseAsync(provider);
        var node = new KeelNode(provider, database, KeelFixture.AdminToken, new Dictionary<string, string?>
        {
            // Endpoints point at addresses nobody serves: the dispatcher stays off, the fuzz is about the API.
            ["Webhooks:DispatcherEnabled"] = "false",
            ["Keel:MasterKey"] = WebhookFixture.MasterKey,
        }, s => s.AddSingleton<ILoggerProvider>(captured));
        try
        {
            var started = DateTime.UtcNow;
            var report = await new ApiFuzzer(node, settings).RunAsync();
            report.AddLogErrors(captured.Entries);
            output.WriteLine($"{provider} in {(DateTime.UtcNow - started).TotalSeconds:F0} s: {report.Summary()}");

            Assert.True(report.Violations.Count == 0, report.Describe());
        }
        finally
        {
            await node.DisposeAsync();
            if (provider == Provider.Postgres)
            {
                await TestServers.DropPostgresDatabaseAsync(database);
            }
        }
    }
}

public sealed class ApiFuzzTests_Sqlite(ITestOutputHelper output) : ApiFuzzTests(Provider.Sqlite, output);

public sealed class ApiFuzzTests_Postgres(ITestOutputHelper output) : ApiFuzzTests(Provider.Postgres, output);
