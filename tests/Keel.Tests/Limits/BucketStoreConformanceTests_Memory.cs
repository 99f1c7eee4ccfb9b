using Keel.Limits;
using Keel.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Keel.Tests.Limits;

/// <summary>The conformance suite on <see cref="MemoryBucketStore"/>, on a fake clock: every duration is exact.</summary>
public sealed class BucketStoreConformanceTests_Memory : BucketStoreConformanceTests, IDisposable
{
    readonly FakeTimeProvider _time = new();
    readonly MemoryBucketStore _store;

    public BucketStoreConformanceTests_Memory()
    {
        _store = new MemoryBucketStore(_time, sweepInterval: TimeSpan.FromMilliseconds(100));
        Clock = new FakeClock(_time);
    }

    private protected override IBucketStore Store => _store;

    private protected override TestClock Clock { get; }

    private protected override Task<TimeSpan?> ExpiresInAsync(string key) => Task.FromResult(_store.TimeToFull(key));

    public void Dispose() => _store.Dispose();
}
