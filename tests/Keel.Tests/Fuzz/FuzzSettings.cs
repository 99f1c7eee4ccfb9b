using System.Globalization;

namespace Keel.Tests.Fuzz;

/// <summary>
/// How much the API fuzz runs and from which seed. CI runs the defaults (a fixed seed, so every push
/// sends the same requests); <c>KEEL_FUZZ_SEED</c> and <c>KEEL_FUZZ_ITERATIONS</c> run other or longer ones.
/// </summary>
public sealed record FuzzSettings(int Seed, int Iterations)
{
    public const int DefaultSeed = 20261127;

    /// <summary>Hostile write requests per provider: under a minute on two busy shared cores, both providers at once.</summary>
    public const int DefaultIterations = 600;

    /// <summary>Writes between two rounds of reads; each batch works in a tenant of its own.</summary>
    public const int BatchSize = 50;

    public static FuzzSettings FromEnvironment() =>
        new(Read("KEEL_FUZZ_SEED") ?? DefaultSeed, Read("KEEL_FUZZ_ITERATIONS") ?? DefaultIterations);

    /// <summary>The generator of one batch: its own, so what one batch draws does not shift the requests of the next.</summary>
    public Random BatchRandom(int batch) => new(unchecked((Seed * 1_000_003) + batch));

    public string Replay => $"KEEL_FUZZ_SEED={Seed} KEEL_FUZZ_ITERATIONS={Iterations}";

    static int? Read(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } text
            ? int.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture)
            : null;
}
