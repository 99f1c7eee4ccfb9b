using System.CommandLine;
using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Keel.Bench;

/// <summary>
/// <c>storm</c>: webhook fan-out. One tenant, <c>--endpoints</c> endpoints on loopback receivers in this
/// process, Keel with role <c>all</c> (dispatcher running) in this process or its own. Each repeat measures
/// (1) throughput: <c>--events</c> events published as fast as <c>--publishers</c> concurrent publishers can,
/// every event to every endpoint, deliveries/s at the receivers; against the baseline of as many plain
/// POSTs from one client at Keel's concurrency to the same receivers, in alternating order; and (2) lag:
/// <c>--rate</c> events/s on a fixed schedule for <c>--lag-seconds</c>, publish to first arrival of each
/// delivery, against the publish request's own latency. Every (event, endpoint) must arrive.
/// </summary>
public sealed class StormScenario
{
    const string FanoutType = "storm.fanout";
    // Only endpoint 0 takes every type; the others take storm.fanout, so this type reaches one endpoint.
    const string SingleType = "storm.single";
    // Past a lease (60 s) and a poll, a delivery whose outcome was lost comes back; waiting longer shows that instead of calling it lost.
    static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(90);

    readonly StormSettings _s;
    readonly HttpClient _client;
    readonly string _managementKey;
    readonly WebhookReceivers _receivers;
    readonly BenchStorage _storage;
    readonly PostgresActivity? _activity;
    readonly int? _keelPid;
    readonly DbCommandCounter? _commands;

    StormScenario(StormSettings s, HttpClient client, string managementKey, WebhookReceivers receivers, BenchStorage storage,
        PostgresActivity? activity, int? keelPid, DbCommandCounter? commands)
    {
        (_s, _client, _managementKey, _receivers, _storage, _activity, _keelPid, _commands) =
            (s, client, managementKey, receivers, storage, activity, keelPid, commands);
    }

    public static Command Command()
    {
        var command = StormSettings.AddTo(new Command("storm",
            "Webhook fan-out: deliveries/s against plain POSTs to the same receivers, and publish-to-first-attempt lag at a fixed rate"));
        command.SetAction((parse, ct) => RunAsync(StormSettings.From(parse), ct));
        return command;
    }

    static async Task<int> RunAsync(StormSettings s, CancellationToken ct)
    {
        if (s.Problem is { } problem)
        {
            await Console.Error.WriteLineAsync($"bench storm: {problem}");
            return 2;
        }
        // A bound for a hung run, far above the expected time: deliveries at 250/s, each phase's stall timeout once.
        var deliveries = (long)(s.Events + s.Warmup) * s.Endpoints;
        using var watchdog = Watchdog.Start(TimeSpan.FromMinutes(10)
            + (s.Repeat * (TimeSpan.FromSeconds((deliveries / 250.0) + (3 * s.LagSeconds)) + (3 * StallTimeout))));
        await Console.Error.WriteLineAsync($"bench storm: {s.Events:N0} events x {s.Endpoints} endpoints on {s.Provider}, "
            + $"Keel {(s.KeelProcess ? "in its own process" : "in the bench's process")}; {Machine.Describe()}");
        var loadBefore = Machine.LoadAverage();

        await using var database = s.IsPostgres ? await PostgresDatabase.CreateAsync(s.Postgres!, ct) : null;
        var sqliteDirectory = s.IsPostgres ? null : Directory.CreateTempSubdirectory("keel-storm-").FullName;
        try
        {
            var connectionString = database?.ConnectionString ?? $"Data Source={Path.Combine(sqliteDirectory!, "keel.db")}";
            await using var receivers = await WebhookReceivers.StartAsync(s.Endpoints, ct);
            var settings = WebhookReceivers.KeelSettings(s.Provider, connectionString);
            // The receivers stand in for public ones, whose answers are read and stored.
            settings["Webhooks:StoreResponsesFromAllowedNetworks"] = "true";
            settings["Webhooks:MaxConcurrency"] = s.Concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture);
            using var commands = s.KeelProcess ? null : new DbCommandCounter();
            await using var inProcess = s.KeelProcess ? null : await KeelServer.StartAsync(settings, ct);
            await using var ownProcess = s.KeelProcess ? await KeelProcess.StartAsync(settings, ct) : null;
            using var client = LoadGenerator.CreateClient(inProcess?.BaseAddress ?? ownProcess!.BaseAddress);
            await using var activity = database is null ? null : new PostgresActivity(connectionString);
            var storage = new BenchStorage(s.IsPostgres, connectionString);

            var managementKey = await KeelApi.CreateTenantAsync(client, "storm", ct);
            for (var i = 0; i < s.Endpoints; i++)
            {
                string[]? types = i == 0 ? null : [FanoutType];
                await KeelApi.SendAsync(client, managementKey, "/v1/webhooks/endpoints",
                    new { url = receivers.Urls[i].ToString(), event_types = types, description = $"storm receiver {i}" }, ct);
            }
            var scenario = new StormScenario(s, client, managementKey, receivers, storage, activity, ownProcess?.Id, commands);
            var run = await scenario.MeasureAsync(loadBefore, ct);
            Console.WriteLine(StormReport.Markdown(run));
            var failed = run.Repeats.Any(r => r.Keel.Tally.Missing > 0 || r.Lag.Tally.Missing > 0 || r.Keel.Publish.Errors > 0 || r.Lag.Publish.Errors > 0
                || r.Baseline.Send.Errors > 0) || run.Warmup?.Missing > 0;
            if (failed)
            {
                await Console.Error.WriteLineAsync("bench storm: some events were not accepted or some deliveries did not arrive; these numbers are not valid.");
            }
            return failed ? 1 : 0;
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

    async Task<StormRun> MeasureAsync(string loadBefore, CancellationToken ct)
    {
        DeliveryTally? warmup = null;
        if (_s.Warmup > 0)
        {
            var warm = await ThroughputAsync("warm-up", _s.Warmup, ct);
            warmup = warm.Tally;
            await BaselineAsync("warm-up", _s.Warmup, ct);
        }
        var repeats = new List<StormRepeat>();
        for (var i = 0; i < _s.Repeat; i++)
        {
            var label = $"repeat {i + 1}/{_s.Repeat}";
            // Alternate which goes first, so drift in the machine's speed hits both alike.
            var baselineFirst = i % 2 == 1;
            var baseline = baselineFirst ? await BaselineAsync(label, _s.Events, ct) : null;
            var keel = await ThroughputAsync(label, _s.Events, ct);
            baseline ??= await BaselineAsync(label, _s.Events, ct);
            var lag = await LagAsync(label, ct);
            repeats.Add(new StormRepeat(keel, baseline, baselineFirst, lag));
        }
        return new StormRun(_s, repeats, loadBefore, Machine.LoadAverage(), warmup);
    }

    async Task<ThroughputPhase> ThroughputAsync(string label, int events, CancellationToken ct)
    {
        await SettleAsync(ct);
        var publisher = new EventPublisher(_client, _managementKey, FanoutType, events, _s.PayloadBytes);
        var expected = (long)events * _s.Endpoints;
        await Console.Error.WriteLineAsync($"  {label} Keel: publishing {events:N0} events ({expected:N0} deliveries) with {_s.Publishers} publishers");
        var (since, profile) = await StartProfileAsync(ct);
        var limit = TimeSpan.FromSeconds(60 + (events / 20.0));
        var publish = await LoadGenerator.CountedLoopAsync("publish", i => publisher.PublishAsync(i, Stopwatch.GetTimestamp(), ct),
            _s.Publishers, events, limit, ct);
        var drain = new CpuMeter(_keelPid, _activity is null ? null : _activity.BackendCpuAsync);
        await drain.StartAsync(ct);
        await Console.Error.WriteLineAsync($"  {label} Keel: {publish.RequestsPerSecond:F0} events/s accepted, {publish.Errors} errors"
            + (publish.FirstError is { } e ? $" (first: {e})" : ""));
        var accepted = publisher.Ids.Count(id => id is not null);
        await WaitForArrivalsAsync(label, (long)accepted * _s.Endpoints, ct);
        var recorded = await WaitRecordedAsync(ct);
        var drained = await drain.StopAsync(ct);
        var (arrivals, bytes) = _receivers.TakeLog();
        var result = await StopProfileAsync(since, profile, ct);
        var tally = DeliveryTally.Of(arrivals, publisher, _s.Endpoints);
        var times = tally.ArrivalTimes;
        var firstSent = publisher.Sent.Where(t => t > 0).DefaultIfEmpty().Min();
        var lastAnswered = publisher.Answered.DefaultIfEmpty().Max();
        var phase = new ThroughputPhase(publish, tally, ArrivalRate.Of(times),
            ArrivalRate.Within(times, firstSent, lastAnswered), times.Length > 0 ? ArrivalRate.Within(times, lastAnswered, times[^1] + 1) : 0,
            Stopwatch.GetElapsedTime(firstSent, lastAnswered), times.Length > 0 ? Stopwatch.GetElapsedTime(firstSent, times[^1]) : TimeSpan.Zero,
            recorded is { } r ? Stopwatch.GetElapsedTime(firstSent, r) : null, bytes, result,
            times.Length - LowerBound(times, lastAnswered), drained);
        await Console.Error.WriteLineAsync($"  {label} Keel: {tally.Delivered:N0}/{tally.Expected:N0} delivered ({tally.Duplicates} duplicates, {tally.Stray} stray), "
            + $"{phase.Rate.PerSecond:F0} deliveries/s first to last, {phase.Rate.MiddlePerSecond:F0}/s middle 80%; CPU {StormReport.CpuLine(result.Cpu)}");
        return phase;
    }

    async Task<BaselinePhase> BaselineAsync(string label, int events, CancellationToken ct)
    {
        await SettleAsync(ct);
        var requests = (long)events * _s.Endpoints;
        using var sender = new PlainSender(_receivers.Urls, PlainSender.KeelShapedBody(FanoutType, EventPublisher.Payload(0, _s.PayloadBytes)));
        var cpu = new CpuMeter(_keelPid, _activity is null ? null : _activity.BackendCpuAsync);
        await cpu.StartAsync(ct);
        var send = await LoadGenerator.CountedLoopAsync("plain POST", i => sender.SendAsync(i, ct), _s.Concurrency, requests,
            TimeSpan.FromSeconds(60 + (requests / 200.0)), ct);
        var window = await cpu.StopAsync(ct);
        var (arrivals, bytes) = _receivers.TakeLog();
        var times = arrivals.Where(a => a.Receiver >= 0 && a.WebhookId.StartsWith("base_", StringComparison.Ordinal)).Select(a => a.Timestamp).Order().ToArray();
        var phase = new BaselinePhase(send, ArrivalRate.Of(times), times.Length, bytes, window);
        await Console.Error.WriteLineAsync($"  {label} baseline: {times.Length:N0}/{requests:N0} arrived, {phase.Rate.PerSecond:F0} requests/s first to last, "
            + $"{phase.Rate.MiddlePerSecond:F0}/s middle 80%, {send.Errors} errors{(send.FirstError is { } e ? $" (first: {e})" : "")}; CPU {StormReport.CpuLine(window)}");
        return phase;
    }

    async Task<LagPhase> LagAsync(string label, CancellationToken ct)
    {
        await SettleAsync(ct);
        var events = _s.Rate * _s.LagSeconds;
        var receivers = _s.LagEndpoints;
        var publisher = new EventPublisher(_client, _managementKey, receivers == 1 ? SingleType : FanoutType, events, _s.PayloadBytes);
        await Console.Error.WriteLineAsync($"  {label} lag: {_s.Rate} events/s for {_s.LagSeconds} s to {receivers} endpoint(s)");
        var (since, profile) = await StartProfileAsync(ct);
        var publish = await LoadGenerator.OpenLoopAsync("publish", (i, scheduled) => publisher.PublishAsync(i, scheduled, ct),
            _s.Rate, TimeSpan.FromSeconds(_s.LagSeconds), ct);
        await WaitForArrivalsAsync(label, (long)publisher.Ids.Count(id => id is not null) * receivers, ct);
        var recorded = await WaitRecordedAsync(ct);
        var (arrivals, _) = _receivers.TakeLog();
        var result = await StopProfileAsync(since, profile, ct);
        var tally = DeliveryTally.Of(arrivals, publisher, receivers);
        var firstScheduled = publisher.Scheduled.Where(t => t > 0).DefaultIfEmpty().Min();
        await Console.Error.WriteLineAsync($"  {label} lag: {tally.Delivered:N0}/{tally.Expected:N0} delivered; publish to first arrival p50 "
            + $"{StormReport.Pct(tally.LagFromScheduled, 50)} p99 {StormReport.Pct(tally.LagFromScheduled, 99)} max {ReportFormat.Ms(tally.LagFromScheduled.Max)} ms; "
            + $"publish request p99 {StormReport.Pct(publish.Latency, 99)} ms; send lag p99 {StormReport.Pct(publish.SendLag!, 99)} ms");
        return new LagPhase(publish, tally, recorded is { } r ? Stopwatch.GetElapsedTime(firstScheduled, r) : null, result);
    }

    sealed record ProfileStart(CpuMeter Cpu, KeelMetrics Metrics, DbCommands? Commands);

    async Task<(DateTime Since, ProfileStart Start)> StartProfileAsync(CancellationToken ct)
    {
        var since = DateTime.UtcNow.AddMilliseconds(-10);
        var cpu = new CpuMeter(_keelPid, _activity is null ? null : _activity.BackendCpuAsync);
        var metrics = await KeelMetrics.ScrapeAsync(_client, ct);
        var commands = _commands?.Snapshot();
        _activity?.Start();
        await cpu.StartAsync(ct);
        return (since, new ProfileStart(cpu, metrics, commands));
    }

    async Task<PhaseProfile> StopProfileAsync(DateTime since, ProfileStart start, CancellationToken ct)
    {
        var cpu = await start.Cpu.StopAsync(ct);
        var activity = _activity is null ? null : await _activity.StopAsync();
        var commands = _commands?.Snapshot() - start.Commands;
        var metrics = await KeelMetrics.ScrapeAsync(_client, ct) - start.Metrics;
        var timeline = await DeliveryTimeline.ReadAsync(_storage, since, ct);
        return new PhaseProfile(timeline, cpu, activity, metrics, commands);
    }

    /// <summary>Waits until <paramref name="expected"/> requests have arrived, or none has for <see cref="StallTimeout"/>.</summary>
    async Task WaitForArrivalsAsync(string label, long expected, CancellationToken ct)
    {
        var count = _receivers.Count;
        var changed = Stopwatch.GetTimestamp();
        var reported = changed;
        while (count < expected && Stopwatch.GetElapsedTime(changed) < StallTimeout)
        {
            await Task.Delay(20, ct);
            var now = _receivers.Count;
            if (now != count)
            {
                (count, changed) = (now, Stopwatch.GetTimestamp());
            }
            if (Stopwatch.GetElapsedTime(reported) > TimeSpan.FromSeconds(10))
            {
                reported = Stopwatch.GetTimestamp();
                await Console.Error.WriteLineAsync($"  {label}: {count:N0}/{expected:N0} arrived");
            }
        }
    }

    /// <summary>Waits until Keel has recorded every outcome (no pending delivery); returns when, or null if that did not happen in time.</summary>
    async Task<long?> WaitRecordedAsync(CancellationToken ct)
    {
        var start = Stopwatch.GetTimestamp();
        await using var connection = await _storage.OpenAsync(ct);
        await using var pending = BenchStorage.Command(connection, "SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'");
        while (Stopwatch.GetElapsedTime(start) < StallTimeout)
        {
            if (Convert.ToInt64(await pending.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture) == 0)
            {
                return Stopwatch.GetTimestamp();
            }
            await Task.Delay(20, ct);
        }
        return null;
    }

    static int LowerBound(long[] sorted, long value)
    {
        var i = Array.BinarySearch(sorted, value);
        return i >= 0 ? i : ~i;
    }

    /// <summary>Starts each phase from a collected heap and a quiet second, so one phase's leftovers are not charged to the next.</summary>
    static async Task SettleAsync(CancellationToken ct)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        await Task.Delay(1000, ct);
    }
}
