namespace Keel.Limits;

/// <summary>
/// Buckets that count together against <paramref name="Cap"/> in a node's memory, such as one tenant's
/// <c>/v1/ratelimits/check</c> buckets: past the cap a new bucket is refused, the ones held keep working.
/// </summary>
public readonly record struct BucketGroup(string Name, int Cap);
