namespace Keel.Bench.Publish;

/// <summary>
/// The database's own rate of small durable transactions, on the server and settings Keel uses: closed-loop
/// workers on pooled connections insert one row of the payload's size per transaction (autocommit). A publish
/// that commits once per request can go no faster than this.
/// </summary>
public static class CommitBaseline
{
    const string Table = "bench_commit_baseline";

    public static async Task<RunResult> RunAsync(BenchStorage storage, int workers, TimeSpan duration, string payload, CancellationToken ct)
    {
        await using (var setup = await storage.OpenAsync(ct))
        {
            await using var create = BenchStorage.Command(setup, $"CREATE TABLE IF NOT EXISTS {Table} (id text PRIMARY KEY, payload text NOT NULL)");
            await create.ExecuteNonQueryAsync(ct);
        }
        return await LoadGenerator.ClosedLoopAsync("commit", async () =>
        {
            try
            {
                await using var connection = await storage.OpenAsync(ct);
                await using var insert = BenchStorage.Command(connection, $"INSERT INTO {Table} (id, payload) VALUES (@id, @payload)",
                    ("id", Guid.NewGuid().ToString("N")), ("payload", payload));
                await insert.ExecuteNonQueryAsync(ct);
                return null;
            }
            catch (System.Data.Common.DbException e)
            {
                return e.Message;
            }
        }, workers, duration, ct);
    }
}
