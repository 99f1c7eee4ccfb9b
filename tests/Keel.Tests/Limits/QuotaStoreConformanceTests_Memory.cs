using Keel.Limits;
using Keel.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Keel.Tests.Limits;

/// <summary>The conformance suite on <see cref="MemoryQuotaStore"/>, on a fake clock.</summary>
public sealed class QuotaStoreConformanceTests_Memory : QuotaStoreConformanceTests, IDisposable
{
    readonly FakeTimeProvider _time = new();
    readonly MemoryQuotaStore _store;

    public QuotaStoreConformanceTests_Memory()
    {
        _store = new MemoryQuotaStore(_time, Retention, TimeSpan.FromMilliseconds(100));
        Clock = new FakeClock(_time);
    }

    private protected override IQuotaStore Store => _store;

    private protected override TestClock Clock { get; }

    private protected override Task<DateTimeOffset?> ExpiresAtAsync(string key) => Task.FromResult(_store.ExpiresAt(key));

    public void Dispose() => _store.Dispose();
}
