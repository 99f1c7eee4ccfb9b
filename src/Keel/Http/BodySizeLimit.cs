using Microsoft.AspNetCore.Http.Features;

namespace Keel.Http;

public sealed class HttpOptions
{
    /// <summary>Largest request body accepted, in bytes. Larger ones get 413 <c>validation.body_too_large</c>.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;
}

/// <summary>
/// Refuses an oversized body before anything reads it when Content-Length says so, and caps a chunked
/// body through the server's own limit (Kestrel then fails the read with 413, which the exception
/// handler reports).
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
        return next(context);
    }
}
