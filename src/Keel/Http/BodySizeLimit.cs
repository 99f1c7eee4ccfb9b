using Microsoft.AspNetCore.Http.Features;

namespace Keel.Http;

/// <summary>
/// Refuses an oversized body before anything reads it when Content-Length says so, and caps a chunked
/// body while it is read: through the server's own limit where it has one (Kestrel), and by counting
/// the bytes here, because not every server enforces that limit (the in-memory TestServer does not).
/// Either way the read fails with a 413 <see cref="BadHttpRequestException"/>, which becomes the problem.
/// </summary>
internal sealed class BodySizeLimit(RequestDelegate next, Microsoft.Extensions.Options.IOptions<HttpOptions> options)
{
    public Task InvokeAsync(HttpContext context)
    {
        var max = options.Value.MaxRequestBodyBytes;
        if (context.Request.ContentLength > max)
        {
            context.Response.StatusCode = 413;
            return Problems.WriteAsync(context, ErrorCodes.BodyTooLarge, $"The body is larger than {max} bytes.");
        }
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = max;
        }
        if (context.Request.ContentLength is null && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != false)
        {
            context.Request.Body = new CappedStream(context.Request.Body, max);
        }
        return next(context);
    }

    /// <summary>Reads through to the body and fails once more than <c>max</c> bytes came through.</summary>
    sealed class CappedStream(Stream inner, long max) : Stream
    {
        long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            Count(await inner.ReadAsync(buffer, cancellationToken));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        int Count(int read)
        {
            _read += read;
            return _read > max ? throw new BadHttpRequestException("Request body too large.", StatusCodes.Status413PayloadTooLarge) : read;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
