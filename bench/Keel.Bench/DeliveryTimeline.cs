namespace Keel.Bench;

/// <summary>
/// Where a phase's deliveries spent their time, from Keel's own rows once the phase is over: from the
/// publish (<c>created_at</c>) to the start of the last attempt (<c>last_attempt_at</c>: waiting in the table
/// to be claimed, then queued for a free send slot), and from there to the outcome's commit
/// (<c>completed_at</c>: the request, then waiting for the recorder's batch). For deliveries tried once,
/// the last attempt is the first.
/// </summary>
public sealed record DeliveryTimeline(
    long Deliveries, long Succeeded, long Dead, long Pending, long Retried, LatencyHistogram ToAttempt, LatencyHistogram AttemptToRecorded)
{
    /// <param name="storage">Keel's database.</param>
    /// <param name="since">The phase's start (UTC); only deliveries created since are read.</param>
    /// <param name="ct">Cancels the read.</param>
    public static async Task<DeliveryTimeline> ReadAsync(BenchStorage storage, DateTime since, CancellationToken ct)
    {
        await using var connection = await storage.OpenAsync(ct);
        await using var command = BenchStorage.Command(connection,
            "SELECT created_at, last_attempt_at, completed_at, status, attempt_count FROM webhook_deliveries WHERE created_at >= @since",
            ("since", since));
        await using var reader = await command.ExecuteReaderAsync(ct);
        long deliveries = 0, succeeded = 0, dead = 0, pending = 0, retried = 0;
        var toAttempt = new LatencyHistogram();
        var toRecorded = new LatencyHistogram();
        while (await reader.ReadAsync(ct))
        {
            deliveries++;
            var status = reader.GetString(3);
            succeeded += status == "succeeded" ? 1 : 0;
            dead += status == "dead" ? 1 : 0;
            pending += status == "pending" ? 1 : 0;
            retried += reader.GetInt32(4) > 1 ? 1 : 0;
            if (await reader.IsDBNullAsync(1, ct))
            {
                continue;
            }
            var created = reader.GetDateTime(0);
            var attempted = reader.GetDateTime(1);
            toAttempt.Record((attempted - created).Ticks * 100);
            if (!await reader.IsDBNullAsync(2, ct))
            {
                toRecorded.Record((reader.GetDateTime(2) - attempted).Ticks * 100);
            }
        }
        return new DeliveryTimeline(deliveries, succeeded, dead, pending, retried, toAttempt, toRecorded);
    }
}
