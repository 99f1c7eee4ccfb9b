namespace Keel.Limits;

/// <summary>
/// A token bucket: it holds at most <paramref name="Burst"/> tokens and gains
/// <paramref name="RequestsPerSecond"/> of them each second; a request takes its cost in tokens.
/// </summary>
public readonly record struct BucketSpec(double RequestsPerSecond, long Burst)
{
    internal void ThrowIfInvalid()
    {
        // A rate of 0 would make every wait infinite and NaN would poison the stored state for good.
        if (!double.IsFinite(RequestsPerSecond) || RequestsPerSecond <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(RequestsPerSecond), RequestsPerSecond, "must be a finite number above 0");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(Burst, 1, nameof(Burst));
    }
}
