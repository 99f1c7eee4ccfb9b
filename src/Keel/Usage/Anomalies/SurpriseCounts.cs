using System.Runtime.CompilerServices;

namespace Keel.Usage.Anomalies;

/// <summary>
/// How many surprises beyond the normal band a series has had lately, by size: 16 exponentially decayed counts, one per
/// √2 step of surprise from the normal band up (3 to 768 deviations at the default band; larger ones share the top
/// step). 64 bytes whatever the number of values, and it answers the question a fading maximum cannot: has this series
/// often done bigger than this?
/// </summary>
[InlineArray(Steps)]
internal struct SurpriseCounts
{
    const int Steps = 16;

    float _count;

    /// <summary>
    /// The decayed number of earlier surprises in a higher step than <paramref name="surprise"/> (so at least somewhat
    /// larger), then this surprise recorded and every count decayed by <paramref name="decay"/>.
    /// </summary>
    public double LargerThenRecord(double surprise, double normal, double decay)
    {
        var step = surprise > normal ? Math.Min((int)(2 * Math.Log2(surprise / normal)), Steps - 1) : -1;
        double larger = 0;
        for (var k = 0; k < Steps; k++)
        {
            if (step >= 0 && k > step)
            {
                larger += this[k];
            }
            this[k] *= (float)decay;
        }
        if (step >= 0)
        {
            this[step] += 1;
        }
        return larger;
    }
}
