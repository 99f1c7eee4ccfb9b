using System.CommandLine;
using Microsoft.Data.Sqlite;

namespace Keel.Bench.Publish;

/// <summary>
/// <c>publish</c>: <c>POST /v1/events</c> (or <c>/v1/events/batch</c> with <c>--batch</c>) as fast as <c>--connections</c> closed-loop publishers can, Keel in its own
/// process, measured by the bench's .NET client and by <c>wrk</c> from outside, beside two baselines of the same run:
/// <c>GET /health/live</c> on the same server (what HTTP alone costs) and the database's own rate of one-row durable
/// transactions at the same concurrency (<see cref="CommitBaseline"/>). Every accepted event must be stored.
/// </summary>
public static class PublishScenario
{
    const string EventType = "bench.published";

    public static Command Command()
    {
        var command = PublishSettings.AddTo(new Command("publish",
            "Publish throughput and latency from the bench's client and from wrk, against HTTP alone and the database's own commit rate"));
        command.SetAction((parse, ct) => RunAsync(PublishSettings.From(parse), ct));
        return command;
    }

    static async Task<int> RunAsync(PublishSettings s, CancellationToken ct)
    {
        if (s.Problem is { } problem)
        {
            await Console.Error.WriteLineAsync($"bench publish: {problem}");
            return 2;
        }
        var runs = s.Wrk is null ? 3 : 5;
        var plan = s.Warmup + (s.Repeat * runs * s.Duration);
        using var watchdog = Watchdog.Start((2 * plan) + TimeSpan.FromMinutes(3));
        await Console.Error.WriteLineAsync($"bench publish: {s.Connections} connections, {s.Endpoints} endpoint(s), {s.Provider}, about {plan.TotalSeconds:F0} s of load, "
            + $"outside load generator: {s.Wrk ?? "none"}; {Machine.Describe()}");
        var loadBefore = Machine.LoadAverage();

        await using var database = s.IsPostgres ? await PostgresDatabase.CreateAsync(s.Postgres!, ct) : null;
        var sqliteDirectory = s.IsPostgres ? null : Directory.CreateTempSubdirectory("keel-publish-").FullName;
        try
        {
            var connectionString = database?.ConnectionString ?? $"Data Source={Path.Combine(sqliteDirectory!, "keel.db")}";
            await using var receivers = await WebhookReceivers.StartAsync(Math.Max(1, s.Endpoints), ct);
            await using var keel = await KeelProcess.StartAsync(WebhookReceivers.KeelSettings(s.Provider, connectionString), ct);
            using var client = LoadGenerator.CreateClient(keel.BaseAddress);
            var managementKey = await KeelApi.CreateTenantAsync(client, "publish", ct);
            for (var i = 0; i < s.Endpoints; i++)
            {
                await KeelApi.SendAsync(client, managementKey, "/v1/webhooks/endpoints",
                    new { url = receivers.Urls[i].ToString(), event_types = new[] { EventType }, description = $"publish receiver {i}" }, ct);
            }
            var storage = new BenchStorage(s.IsPostgres, connectionString);
            var run = await MeasureAsync(s, client, keel.BaseAddress, managementKey, storage, ct);
            var stored = await StoredEventsAsync(storage, ct);
            var report = run with { LoadBefore = loadBefore, LoadAfter = Machine.LoadAverage(), Stored = stored };
            Console.WriteLine(PublishReport.Markdown(report));
            if (report.Failed)
            {
                await Console.Error.WriteLineAsync("bench publish: some publishes failed or some accepted events are not stored; these numbers are not valid.");
            }
            return report.Failed ? 1 : 0;
        }
        finally
        {
            if (sqliteDirectory is not null)
            {
                SqliteConnection.ClearAllPools();
                Directory.Delete(sqliteDirectory, recursive: true);
            }
        }
    }

    static async Task<PublishRun> MeasureAsync(
        PublishSettings s, HttpClient client, Uri keel, string managementKey, BenchStorage storage, CancellationToken ct)
    {
        var payload = EventPublisher.Payload(1, s.PayloadBytes);
        var one = $$"""{"type":"{{EventType}}","payload":{{payload}}}""";
        var (path, body) = s.Batch == 1 ? ("/v1/events", one) : ("/v1/events/batch", $$"""{"events":[{{string.Join(',', Enumerable.Repeat(one, s.Batch))}}]}""");
        var publish = s.Batch == 1
            ? BenchRequest.PostJsonAccepted("publish", path, managementKey, body, "\"id\":\"msg_")
            : BenchRequest.PostJson("publish", path, managementKey, body, "\"id\":\"msg_");
        var trivial = BenchRequest.Get("trivial", KeelProcess.TrivialPath, KeelProcess.TrivialBody);
        var published = 0L;
        if (s.Warmup > TimeSpan.Zero)
        {
            await Console.Error.WriteLineAsync($"  warm-up: {s.Warmup.TotalSeconds:F0} s of publishing and of the trivial endpoint");
            var warm = await LoadGenerator.ClosedLoopAsync(client, publish, s.Connections, s.Warmup, ct);
            published += (warm.Requests - warm.Errors) * s.Batch;
            await LoadGenerator.ClosedLoopAsync(client, trivial, s.Connections, s.Warmup / 2, ct);
        }
        var repeats = new List<PublishRepeat>();
        for (var r = 0; r < s.Repeat; r++)
        {
            RunResult? keelPublish = null, keelTrivial = null, commit = null;
            OutsideResult? wrkPublish = null, wrkTrivial = null;
            Func<Task>[] steps =
            [
                async () => keelPublish = await LoadGenerator.ClosedLoopAsync(client, publish, s.Connections, s.Duration, ct),
                async () => keelTrivial = await LoadGenerator.ClosedLoopAsync(client, trivial, s.Connections, s.Duration, ct),
                async () => commit = await CommitBaseline.RunAsync(storage, s.Connections, s.Duration, payload, ct),
                async () => wrkPublish = s.Wrk is null ? null
                    : await OutsideLoad.RunAsync(s.Wrk, new Uri(keel, path), managementKey, body, s.Connections, s.Duration, ct),
                async () => wrkTrivial = s.Wrk is null ? null
                    : await OutsideLoad.RunAsync(s.Wrk, new Uri(keel, KeelProcess.TrivialPath), null, null, s.Connections, s.Duration, ct),
            ];
            // Each repeat starts one step further along, so drift in the machine's speed hits every run alike.
            for (var i = 0; i < steps.Length; i++)
            {
                await steps[(r + i) % steps.Length]();
            }
            var repeat = new PublishRepeat(keelPublish!, keelTrivial!, commit!, wrkPublish, wrkTrivial, s.Batch);
            published += repeat.Accepted;
            await Console.Error.WriteLineAsync($"  repeat {r + 1}/{s.Repeat}: {PublishReport.Line(repeat)}");
            repeats.Add(repeat);
        }
        return new PublishRun(s, repeats, published, 0, "", "");
    }

    static async Task<long> StoredEventsAsync(BenchStorage storage, CancellationToken ct)
    {
        await using var connection = await storage.OpenAsync(ct);
        var count = await BenchStorage.ColumnAsync(connection, "SELECT count(*) FROM webhook_events WHERE type = @type", ct, ("type", EventType));
        return long.Parse(count[0], System.Globalization.CultureInfo.InvariantCulture);
    }
}
