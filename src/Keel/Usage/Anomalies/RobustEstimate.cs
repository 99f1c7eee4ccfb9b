namespace Keel.Usage.Anomalies;

/// <summary>
/// A location and its mean absolute deviation, both exponentially weighted, with Huber-style clipping: a residual
/// counts at most <see cref="Clip"/> deviations, so a single outlier moves neither much. Until the weighted memory
/// is full the weight is 1/n, an exact mean of what was seen, so early values are not drowned by the start value.
/// </summary>
internal struct RobustEstimate
{
    /// <summary>Residuals count at most this many deviations: about 3.75 standard deviations of a normal.</summary>
    const double Clip = 3;

    public double Mean;
    public double Deviation;
    public int Count;

    /// <summary>The standard deviation of a normal whose mean absolute deviation this is, never below <paramref name="floor"/>.</summary>
    public readonly double Sigma(double floor) => Math.Max(Deviation * 1.2533, floor);

    public void Add(double value, double levelWeight, double scaleWeight, double floor)
    {
        if (Count < int.MaxValue)
        {
            Count++;
        }
        if (Count == 1)
        {
            Mean = value;
            return;
        }
        var residual = value - Mean;
        var limit = Clip * Math.Max(Deviation, floor);
        // The first values teach the scale; clipping them against a scale not yet learned would freeze it near 0.
        var clipped = Count <= 3 ? residual : Math.Clamp(residual, -limit, limit);
        Mean += Math.Max(levelWeight, 1.0 / Count) * clipped;
        Deviation += Math.Max(scaleWeight, 1.0 / (Count - 1)) * (Math.Abs(clipped) - Deviation);
    }
}
