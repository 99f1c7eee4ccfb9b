using System.Collections.Concurrent;
using Keel.Storage;
using Microsoft.EntityFrameworkCore;

namespace Keel.Webhooks;

/// <summary>
/// Enforces <c>rate_limit_per_second</c> across every worker: a GCRA (the token bucket as one number,
/// the "theoretical arrival time") kept in the endpoint's row and advanced by one conditional UPDATE,
/// which the database serialises. Sends are spaced evenly (no burst). A send that comes a little after its
/// slot keeps the schedule (the next slot is one interval after the missed one, up to <see cref="CatchUp"/>
/// back) rather than pushing every later slot back by its delay, so a backlog drains at the rate asked for;
/// no second holds more than one send over the limit. A delivery over the limit is deferred, never counted
/// as a failure.
/// </summary>
internal sealed class EndpointRateLimiter(IServiceScopeFactory scopes)
{
    const long Second = 1_000_000;
    /// <summary>
    /// How late a send may be and still keep its slot's schedule: an interval, at most 100 ms (in µs). A send
    /// later than that is refused at its slot by the one before it, and goes to the back of the queue.
    /// </summary>
    const long CatchUp = 100_000;
    // Where this worker will put the next deferred delivery of an endpoint, so a refused burst is
    // spread one interval apart instead of coming back all at once.
    readonly ConcurrentDictionary<string, long> _nextSlot = new();

    /// <summary>Null when the attempt may go now; otherwise when to try again.</summary>
    public async Task<DateTime?> AcquireAsync(WebhookEndpoint endpoint, DateTime now, CancellationToken ct)
    {
        if (endpoint.RateLimitPerSecond is not { } rate)
        {
            return null;
        }
        var interval = Second / rate;
        var nowUs = ToMicros(now);
        var keepFrom = nowUs - Math.Min(interval, CatchUp);
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
        var taken = await db.Endpoints
            .Where(e => e.TenantId == endpoint.TenantId && e.Id == endpoint.Id && e.RateTat <= nowUs)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.RateTat, e => (e.RateTat > keepFrom ? e.RateTat : keepFrom) + interval), ct);
        if (taken == 1)
        {
            return null;
        }
        var tat = await db.Endpoints.Where(e => e.TenantId == endpoint.TenantId && e.Id == endpoint.Id).Select(e => e.RateTat).FirstOrDefaultAsync(ct);
        // The first refused delivery comes back when the limit frees up; the ones after it an interval apart.
        var slot = _nextSlot.AddOrUpdate(endpoint.Id, _ => Math.Max(tat, nowUs),
            (_, previous) => Math.Max(previous + interval, Math.Max(tat, nowUs)));
        return FromMicros(slot);
    }

    static long ToMicros(DateTime t) => (t.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    static DateTime FromMicros(long us) => new(DateTime.UnixEpoch.Ticks + us * 10, DateTimeKind.Utc);
}
