using Keel.Bench.Nab;

namespace Keel.Bench.Tests.Nab;

/// <summary>The few NAB files committed under Fixtures/nab (its README says which), copied beside the test binaries.</summary>
public static class NabFixtures
{
    public static readonly NabCorpus Corpus = new(Path.Combine(AppContext.BaseDirectory, "Fixtures", "nab"));

    /// <summary>The files whose time series are there (<c>family/file.csv</c>), for a detector run here.</summary>
    public static IReadOnlyList<string> SeriesKeys() =>
        [.. Directory.EnumerateFiles(Path.Combine(Corpus.Root, "data"), "*.csv", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Path.Combine(Corpus.Root, "data"), f).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)];
}
