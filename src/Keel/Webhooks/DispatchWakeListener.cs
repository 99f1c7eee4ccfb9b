using Keel.Storage;
using Microsoft.Extensions.Options;

namespace Keel.Webhooks;

/// <summary>
/// On PostgreSQL, LISTENs for publishes made on other nodes and wakes this node's dispatcher. Only
/// worker nodes run it; losing the connection only means waiting for the poll until it is back.
/// </summary>
internal sealed partial class DispatchWakeListener(
    DispatchSignal signal, IOptions<StorageOptions> storage, IOptions<WebhooksOptions> options,
    ILogger<DispatchWakeListener> logger) : BackgroundService
{
    // Publishes made while the node was not listening are due now: each (re)connection wakes the dispatcher.
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => storage.Value.IsPostgres
        ? PostgresListener.ListenAsync(storage.Value.EffectiveConnectionString, options.Value.WakeChannel,
            _ => signal.Wake(), signal.Wake, e => ListenLost(logger, e), stoppingToken)
        : Task.CompletedTask;

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "Webhook wake-up channel lost; polling until it is back")]
    static partial void ListenLost(ILogger logger, Exception exception);
}
