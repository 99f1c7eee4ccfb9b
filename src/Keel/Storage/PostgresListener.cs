using System.Diagnostics.CodeAnalysis;
using Npgsql;

namespace Keel.Storage;

/// <summary>
/// LISTENs on one PostgreSQL channel for as long as the node runs, on a dedicated connection
/// (unpooled, with TCP keepalive: a connection dropped without a word would otherwise leave the node
/// deaf), reconnecting a second after any failure. <c>listening</c> runs each time LISTEN
/// is in place, because notifications sent while the node was not listening are lost.
/// </summary>
internal static class PostgresListener
{
    [SuppressMessage("Security", "CA2100", Justification = "LISTEN takes no parameters; the channel is checked to be a plain identifier.")]
    [SuppressMessage("Design", "CA1031", Justification = "A listener outlives any one failure: it reports it and reconnects.")]
    public static async Task ListenAsync(
        string connectionString, string channel, Action<string> received, Action listening, Action<Exception> lost, CancellationToken ct)
    {
        // The settings that name channels are validated at startup; this keeps the SQL safe whoever calls.
        if (channel.Length is 0 or > 63 || !channel.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            throw new ArgumentException("A channel is a lowercase identifier of at most 63 characters.", nameof(channel));
        }
        while (!ct.IsCancellationRequested)
        {
            try
            {
                var cs = new NpgsqlConnectionStringBuilder(connectionString) { KeepAlive = 10, Pooling = false };
                await using var connection = new NpgsqlConnection(cs.ConnectionString);
                await connection.OpenAsync(ct);
                connection.Notification += (_, e) => received(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(ct);
                }
                listening();
                while (true)
                {
                    await connection.WaitAsync(ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                lost(e);
                await Task.Delay(TimeSpan.FromSeconds(1), ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }
}
