using Keel.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Keel.Webhooks;

/// <summary>
/// On PostgreSQL, LISTENs for publishes made on other nodes and wakes this node's dispatcher. Only
/// worker nodes run it; losing the connection only means waiting for the poll until it is back.
/// </summary>
internal sealed partial class DispatchWakeListener(
    DispatchSignal signal, IOptions<StorageOptions> storage, IOptions<WebhooksOptions> options,
    ILogger<DispatchWakeListener> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!storage.Value.IsPostgres)
        {
            return;
        }
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var cs = new NpgsqlConnectionStringBuilder(storage.Value.EffectiveConnectionString) { KeepAlive = 10, Pooling = false };
                await using var connection = new NpgsqlConnection(cs.ConnectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, _) => signal.Wake();
                await using (var listen = new NpgsqlCommand($"LISTEN {options.Value.WakeChannel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }
                // Publishes made while we were not listening are due now.
                signal.Wake();
                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                ListenLost(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    [LoggerMessage(EventId = 41, Level = LogLevel.Warning, Message = "Webhook wake-up channel lost; polling until it is back")]
    static partial void ListenLost(ILogger logger, Exception exception);
}
