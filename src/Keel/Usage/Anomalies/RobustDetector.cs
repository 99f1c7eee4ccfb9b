namespace Keel.Usage.Anomalies;

/// <summary>Keel's detector from robust streaming statistics; every series shares these settings.</summary>
internal sealed class RobustDetector(AnomaliesOptions options) : IAnomalyDetector
{
    public AnomaliesOptions Options { get; } = options;

    public IAnomalySeries NewSeries() => new RobustSeries(Options);
}
