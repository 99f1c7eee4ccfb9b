using System.Runtime.InteropServices;
using Keel.Storage;
using Microsoft.Extensions.Options;

namespace Keel.Usage.Anomalies;

/// <summary>One series' total for one interval.</summary>
internal readonly record struct SeriesPoint(string TenantId, string Kind, string? KeyId, double Value);

/// <summary>
/// The detector state of every live series, fed one closed interval at a time. Every series seen before
/// gets a value each interval, 0 when it had no traffic, so a key that goes silent is scored too. A series
/// with no traffic for <c>Anomalies:IdleEviction</c> is forgotten, which bounds memory by the series
/// actually in use. Lives on the node that holds the scan's lease; one thread feeds it.
/// </summary>
internal sealed class AnomalyMonitor(IAnomalyDetector detector, IOptions<AnomaliesOptions> options, TimeProvider time)
{
    readonly record struct SeriesKey(string TenantId, string Kind, string? KeyId);

    sealed class Tracked(IAnomalySeries state)
    {
        public IAnomalySeries State { get; } = state;
        public DateTime LastActive { get; set; }
        /// <summary>The interval's value, summed from its points while they are handed in.</summary>
        public double Pending { get; set; }
    }

    readonly Dictionary<SeriesKey, Tracked> _series = [];

    public int Count => _series.Count;

    /// <summary>Scores one interval; returns the anomalies in it, not yet stored.</summary>
    public List<Anomaly> Observe(DateTime intervalStart, TimeSpan interval, IEnumerable<SeriesPoint> points)
    {
        var o = options.Value;
        // Each point lands on its series' own slot: one lookup per point, nothing allocated per minute.
        foreach (var p in points)
        {
            ref var tracked = ref CollectionsMarshal.GetValueRefOrAddDefault(_series, new SeriesKey(p.TenantId, p.Kind, p.KeyId), out _);
            tracked ??= new Tracked(detector.NewSeries());
            tracked.Pending += p.Value;
        }
        var found = new List<Anomaly>();
        var idleSince = intervalStart - o.IdleEviction;
        var at = new DateTimeOffset(intervalStart, TimeSpan.Zero);
        List<SeriesKey>? idle = null;
        foreach (var (key, tracked) in _series)
        {
            var value = tracked.Pending;
            tracked.Pending = 0;
            if (value > 0)
            {
                tracked.LastActive = intervalStart;
            }
            else if (tracked.LastActive < idleSince)
            {
                (idle ??= []).Add(key);
                continue;
            }
            var score = tracked.State.Observe(at, value);
            // A score needs a change big enough to matter as well: on a quiet series 0 → 3 calls can be
            // many deviations away and still not be worth anyone's attention.
            if (score.Score >= o.Threshold && Math.Abs(score.Observed - score.Baseline) >= o.MinimumChange)
            {
                found.Add(new Anomaly
                {
                    Id = Ids.New("anom"),
                    TenantId = key.TenantId,
                    Kind = key.Kind,
                    KeyId = key.KeyId,
                    IntervalStart = intervalStart,
                    IntervalSeconds = (int)interval.TotalSeconds,
                    Score = score.Score,
                    Observed = score.Observed,
                    Baseline = score.Baseline,
                    ExpectedLow = score.ExpectedLow,
                    ExpectedHigh = score.ExpectedHigh,
                    DetectedAt = time.GetUtcNow().UtcDateTime,
                });
            }
        }
        foreach (var key in idle ?? [])
        {
            _series.Remove(key);
        }
        return found;
    }

    /// <summary>Forgets every series: another node scanned meanwhile, so this state no longer follows the data.</summary>
    public void Reset() => _series.Clear();
}
