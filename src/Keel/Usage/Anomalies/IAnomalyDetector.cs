namespace Keel.Usage.Anomalies;

/// <summary>
/// A kind of anomaly detector: it makes the state of one series, and the state does all the work. Keeping the
/// state per series behind <see cref="IAnomalySeries"/> lets a learned model replace the robust statistics
/// without the callers (usage rollups, auth-failure counters) knowing.
/// </summary>
internal interface IAnomalyDetector
{
    IAnomalySeries NewSeries();
}

/// <summary>
/// One series' detector state, fed one value per interval in time order. Its size must not grow with the
/// number of values seen (100,000 series live on one node). Not thread-safe: the caller feeds a series from
/// one thread at a time.
/// </summary>
internal interface IAnomalySeries
{
    AnomalyScore Observe(DateTimeOffset timestamp, double value);
}
