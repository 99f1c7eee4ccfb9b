namespace Keel.Bench;

/// <summary>
/// The arrivals of one phase matched to the events published in it: which (event, receiver) pairs
/// arrived, how often, and how long after their publish. An arrival whose <c>webhook-id</c> is not an
/// event of this phase (or that came to an unknown path) is counted as stray.
/// </summary>
public sealed class DeliveryTally
{
    DeliveryTally()
    {
    }

    /// <summary>Events Keel accepted (202 with an id).</summary>
    public long Published { get; private init; }

    /// <summary>(event, receiver) pairs that should arrive: accepted events times their receivers.</summary>
    public long Expected { get; private init; }

    /// <summary>Pairs that arrived at least once.</summary>
    public long Delivered { get; private init; }

    /// <summary>Arrivals of a pair beyond its first.</summary>
    public long Duplicates { get; private init; }

    public long Stray { get; private init; }

    public long Missing => Expected - Delivered;

    /// <summary>Every matched arrival (duplicates too), sorted by time.</summary>
    public long[] ArrivalTimes { get; private init; } = [];

    /// <summary>Publish to first arrival of each delivered pair, from the time the publish was scheduled (no coordinated omission).</summary>
    public LatencyHistogram LagFromScheduled { get; } = new();

    /// <summary>Publish to first arrival, from the time the publish request was actually sent.</summary>
    public LatencyHistogram LagFromSent { get; } = new();

    /// <param name="arrivals">What the receivers logged in the phase.</param>
    /// <param name="publisher">The phase's publishes.</param>
    /// <param name="receivers">The receivers every event of the phase goes to (0 to receivers - 1).</param>
    public static DeliveryTally Of(Arrival[] arrivals, EventPublisher publisher, int receivers)
    {
        var numbers = new Dictionary<string, int>(publisher.Ids.Length, StringComparer.Ordinal);
        for (var i = 0; i < publisher.Ids.Length; i++)
        {
            if (publisher.Ids[i] is { } id)
            {
                numbers[id] = i;
            }
        }
        var first = new long[(long)publisher.Ids.Length * receivers];
        var times = new List<long>(arrivals.Length);
        long delivered = 0, duplicates = 0, stray = 0;
        foreach (var arrival in arrivals)
        {
            if (arrival.Receiver < 0 || arrival.Receiver >= receivers || !numbers.TryGetValue(arrival.WebhookId, out var number))
            {
                stray++;
                continue;
            }
            times.Add(arrival.Timestamp);
            ref var slot = ref first[((long)number * receivers) + arrival.Receiver];
            if (slot == 0)
            {
                delivered++;
                slot = arrival.Timestamp;
            }
            else
            {
                duplicates++;
                slot = Math.Min(slot, arrival.Timestamp);
            }
        }
        var tally = new DeliveryTally
        {
            Published = numbers.Count,
            Expected = (long)numbers.Count * receivers,
            Delivered = delivered,
            Duplicates = duplicates,
            Stray = stray,
            ArrivalTimes = [.. times.Order()],
        };
        foreach (var number in numbers.Values)
        {
            for (var r = 0; r < receivers; r++)
            {
                if (first[((long)number * receivers) + r] is var arrived and > 0)
                {
                    tally.LagFromScheduled.RecordTicks(publisher.Scheduled[number], arrived);
                    tally.LagFromSent.RecordTicks(publisher.Sent[number], arrived);
                }
            }
        }
        return tally;
    }
}
