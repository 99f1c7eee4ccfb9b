namespace Keel.Limits;

/// <summary>Where token buckets live: in this process (<see cref="MemoryBucketStore"/>) or in Redis (<see cref="RedisBucketStore"/>).</summary>
internal interface IBucketStore
{
    /// <summary>
    /// Takes <paramref name="cost"/> tokens from the bucket <paramref name="key"/> if it holds them, atomically: concurrent
    /// takes never take more than the bucket holds. A cost of 0 reports the bucket without changing it; a cost above the
    /// burst is refused and changes nothing. A bucket not seen before starts full.
    /// </summary>
    ValueTask<BucketDecision> TakeAsync(string key, BucketSpec spec, long cost, CancellationToken ct);

    /// <summary>
    /// <see cref="TakeAsync(string, BucketSpec, long, CancellationToken)"/> for a key of <paramref name="group"/>: null,
    /// changing nothing, when the key would be a new bucket and the group already holds its cap of buckets not yet full.
    /// </summary>
    ValueTask<BucketDecision?> TakeAsync(string key, BucketSpec spec, long cost, BucketGroup? group, CancellationToken ct);
}
