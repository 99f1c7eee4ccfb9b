namespace Keel.Tests.Infrastructure;

/// <summary>
/// Tests that measure the whole process (its managed heap) run in this collection: after every other test, one at a
/// time, so no other test's allocations count in their figures.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class RunsAlone
{
    public const string Name = "runs alone";
}
