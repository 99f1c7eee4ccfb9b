using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Keel.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Keel.Tests.Webhooks;

/// <summary>
/// The crash test: a storm of events, the worker process killed with SIGKILL while deliveries are in
/// flight, a new worker started. Every event must reach every endpoint at least once. A duplicate (an
/// attempt that reached the receiver but whose outcome the dead worker never recorded) must be the same
/// message: same <c>webhook-id</c>, same body, correctly signed, so a receiver deduplicating on the id
/// sees each event once.
/// </summary>
public abstract class CrashTests(Provider provider, ITestOutputHelper output)
{
    const int StormEvents = 300;
    const int OutageEvents = 60;
    const int Endpoints = 3;
    static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);

    /// <summary>
    /// A short lease, so that what the dead worker held is due again soon (the attempt timeout must be
    /// shorter). Few attempts at once and receivers taking 40 ms make the storm last seconds, so the kill
    /// lands mid-way. Ten retries rather than three: an attempt held past its timeout while the test waits
    /// to kill is retried, never dead.
    /// </summary>
    static Dictionary<string, string?> WorkerSettings()
    {
        var settings = WebhookFixture.Settings(new Dictionary<string, string?>
        {
            ["Webhooks:LeaseDuration"] = "00:00:03",
            ["Webhooks:AttemptTimeout"] = "00:00:02",
            ["Webhooks:MaxConcurrency"] = "16",
        });
        for (var n = 3; n < 10; n++)
        {
            settings[$"Webhooks:RetrySchedule:{n}"] = "00:00:00.3";
        }
        return settings;
    }

    [Fact]
    public async Task Worker_KilledMidStormAndRestarted_EveryEventReachesEveryEndpointUnderOneWebhookId()
    {
        var clock = Stopwatch.StartNew();
        var api = await WebhookFixture.StartNodeAsync(provider, new Dictionary<string, string?> { ["Webhooks:DispatcherEnabled"] = "false" });
        List<LoopbackReceiver> receivers = [];
        List<(LoopbackReceiver Receiver, string Secret)> endpoints = [];
        List<WorkerProcess> workers = [];
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            using var admin = api.ClientWith(KeelFixture.AdminToken);
            var tenant = await KeelFixture.NewTenantAsync(api, admin);
            for (var n = 0; n < Endpoints; n++)
            {
                var receiver = await LoopbackReceiver.StartAsync();
                receivers.Add(receiver);
                receiver.Delay = TimeSpan.FromMilliseconds(40);
                // The first receiver has not handled what the kill cuts off: lost, unless sent again. The
                // others have, and only the answer is lost: sent again, it is a duplicate.
                receiver.RecordBeforeGate = n > 0;
                endpoints.Add((receiver, (await tenant.Owner.CreateEndpointAsync(receiver)).Str("secret")));
            }
            var published = new ConcurrentDictionary<string, int>(); // event id -> the i of its payload
            int Received() => endpoints.Sum(e => e.Receiver.Requests.Count);
            int Held() => receivers.Sum(r => r.Held);
            int Pairs() => endpoints.Sum(e => e.Receiver.Requests.Select(r => r.Headers["webhook-id"]).Distinct().Count());
            int Missing() => endpoints.Sum(e => published.Keys.Except(e.Receiver.Requests.Select(r => r.Headers["webhook-id"])).Count());

            workers.Add(await WorkerProcess.StartAsync(api.Provider, api.ConnectionString, WorkerSettings()));
            var storm = PublishAsync(tenant.Owner, 0, StormEvents, published);
            await Eventually.TrueAsync(() => Received() >= StormEvents * Endpoints / 5, Patience, () => $"only {Received()} requests received");
            // The receivers hold what arrives from now on, so the kill surely lands on attempts in flight at each
            // (and soon: held longer than the attempt timeout, they would time out and be retried by this worker).
            receivers.ForEach(r => r.Gate = gate.Task);
            await Eventually.TrueAsync(() => receivers.All(r => r.Held > 0), Patience, () => $"attempts held: {string.Join(", ", receivers.Select(r => r.Held))}");
            var exitCode = await workers[0].KillAsync();
            if (OperatingSystem.IsLinux())
            {
                Assert.Equal(128 + 9, exitCode); // died of SIGKILL: no graceful shutdown finished the attempts in flight
            }
            await Eventually.TrueAsync(() => Held() == 0, Patience, () => $"{Held()} attempts still held after the kill");
            gate.SetResult();
            var (atKill, requestsAtKill) = (Pairs(), Received());
            var (cutOff, unanswered) = (receivers.Sum(r => r.CutOff), receivers.Sum(r => r.Unanswered));
            var states = (await AllDeliveriesAsync(tenant.Owner)).CountBy(d => d.Str("status")).ToDictionary();
            output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: worker {workers[0].Id} killed (exit code {exitCode}): "
                + $"{atKill} of {StormEvents * Endpoints} deliveries received in {requestsAtKill} requests, {cutOff} cut off unhandled, {unanswered} unanswered; "
                + $"deliveries then: {string.Join(", ", states.Select(s => $"{s.Value} {s.Key}"))}");
            Assert.True(receivers[0].CutOff > 0 && unanswered > 0, "the kill cut off no attempt in flight");
            Assert.True(atKill < StormEvents * Endpoints, "the worker delivered the whole storm before the kill landed: nothing was tested");
            await storm;
            // With no worker running these wait in the outbox.
            await PublishAsync(tenant.Owner, StormEvents, OutageEvents, published);

            workers.Add(await WorkerProcess.StartAsync(api.Provider, api.ConnectionString, WorkerSettings()));
            await Eventually.TrueAsync(() => Missing() == 0, Patience,
                () => $"{Missing()} of {published.Count * Endpoints} (event, endpoint) pairs never received");
            await Eventually.TrueAsync(async () =>
                (await (await tenant.Owner.GetAsync("/v1/deliveries?status=pending&limit=1")).Json(HttpStatusCode.OK)).GetProperty("data").GetArrayLength() == 0, Patience,
                () => "deliveries still pending after every event was received");
            output.WriteLine($"{clock.Elapsed.TotalSeconds:0.0} s: every event received by every endpoint, no delivery pending");

            var deliveries = await AllDeliveriesAsync(tenant.Owner);
            Assert.Equal(published.Count * Endpoints, deliveries.Count);
            Assert.All(deliveries, d => Assert.Equal("succeeded", d.Str("status")));
            var duplicates = 0;
            foreach (var (receiver, secret) in endpoints)
            {
                var requests = receiver.Requests;
                foreach (var request in requests)
                {
                    var id = request.Headers["webhook-id"];
                    Assert.True(published.TryGetValue(id, out var i), $"webhook-id {id} is no published event");
                    // The body is the event's own: an id never travels with another event's payload.
                    Assert.Equal(i, JsonSerializer.Deserialize<JsonElement>(request.Body).GetProperty("data").GetProperty("i").GetInt32());
                    Assert.True(StandardWebhooks.HasValidV1(request, secret), $"bad signature on {id}: {request.Headers["webhook-signature"]}");
                }
                foreach (var copies in requests.GroupBy(r => r.Headers["webhook-id"]).Where(g => g.Count() > 1))
                {
                    Assert.Single(copies.Select(r => r.BodyText).Distinct());
                    duplicates += copies.Count() - 1;
                }
            }
            output.WriteLine($"{provider}: {published.Count} events x {Endpoints} endpoints, {Received()} requests, {duplicates} duplicates "
                + $"({requestsAtKill - atKill} before the kill), {clock.Elapsed.TotalSeconds:0.0} s");
            Assert.True(duplicates > 0, "handled attempts whose answer the dead worker never got were not sent again");
        }
        finally
        {
            gate.TrySetResult();
            foreach (var worker in workers)
            {
                await worker.DisposeAsync();
                output.WriteLine($"worker {worker.Id} output:\n  " + string.Join("\n  ", worker.Output));
            }
            foreach (var receiver in receivers)
            {
                await receiver.DisposeAsync();
            }
            await api.StopAsync();
        }
    }

    /// <summary>Publishes events <c>{"i": from..from+count-1}</c>, eight at a time.</summary>
    static Task PublishAsync(HttpClient owner, int from, int count, ConcurrentDictionary<string, int> published) =>
        Parallel.ForEachAsync(Enumerable.Range(from, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            published[(await owner.PublishAsync("storm.item", new { i })).Str("id")] = i);

    /// <summary>Every delivery of the tenant, page after page.</summary>
    static async Task<List<JsonElement>> AllDeliveriesAsync(HttpClient owner)
    {
        List<JsonElement> all = [];
        string? cursor = null;
        do
        {
            var page = await (await owner.GetAsync("/v1/deliveries?limit=200" + (cursor is null ? "" : $"&cursor={cursor}"))).Json(HttpStatusCode.OK);
            all.AddRange(page.GetProperty("data").EnumerateArray());
            cursor = page.GetProperty("next_cursor") is { ValueKind: JsonValueKind.String } next ? next.GetString() : null;
        }
        while (cursor is not null);
        return all;
    }
}

public sealed class CrashTests_Sqlite(ITestOutputHelper output) : CrashTests(Provider.Sqlite, output);

public sealed class CrashTests_Postgres(ITestOutputHelper output) : CrashTests(Provider.Postgres, output);
