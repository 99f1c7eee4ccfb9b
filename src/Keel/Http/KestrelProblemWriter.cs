using System.Buffers;
using System.IO.Pipelines;

namespace Keel.Http;

/// <summary>
/// One connection's output. While a request is in the application, writes go straight through; otherwise
/// they are held until the flush, and if they are one whole empty answer that closes the connection (what
/// Kestrel writes on its own when it refuses a request) the problem goes out in its place.
/// </summary>
internal sealed class KestrelProblemWriter(
    PipeWriter inner, KestrelProblems.RequestsInApp requests, Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerLimits limits,
    string connectionId) : PipeWriter
{
    ArrayBufferWriter<byte>? _held;
    bool _holding;

    public override Memory<byte> GetMemory(int sizeHint = 0) => Hold() ? _held!.GetMemory(sizeHint) : inner.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => Hold() ? _held!.GetSpan(sizeHint) : inner.GetSpan(sizeHint);

    public override void Advance(int bytes)
    {
        if (_holding)
        {
            _held!.Advance(bytes);
        }
        else
        {
            inner.Advance(bytes);
        }
    }

    // Once something is held, later writes queue behind it: nothing may overtake it.
    bool Hold()
    {
        _holding = _held is { WrittenCount: > 0 } || !requests.Any;
        if (_holding)
        {
            _held ??= new ArrayBufferWriter<byte>(512);
        }
        return _holding;
    }

    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        Release();
        return inner.FlushAsync(cancellationToken);
    }

    public override void Complete(Exception? exception = null)
    {
        Release();
        inner.Complete(exception);
    }

    public override ValueTask CompleteAsync(Exception? exception = null)
    {
        Release();
        return inner.CompleteAsync(exception);
    }

    public override void CancelPendingFlush() => inner.CancelPendingFlush();

    public override bool CanGetUnflushedBytes => inner.CanGetUnflushedBytes;

    public override long UnflushedBytes => inner.UnflushedBytes + (_held?.WrittenCount ?? 0);

    void Release()
    {
        if (_held is not { WrittenCount: > 0 } held)
        {
            return;
        }
        var answer = held.WrittenSpan;
        if (KestrelAnswer.AsProblem(answer, limits, connectionId) is { } problem)
        {
            inner.Write(problem);
        }
        else
        {
            inner.Write(answer);
        }
        held.ResetWrittenCount();
    }
}
