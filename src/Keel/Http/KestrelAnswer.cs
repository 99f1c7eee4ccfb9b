using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Keel.Http;

/// <summary>Kestrel's own empty error answer, recognised by its shape, and the problem that replaces it.</summary>
internal static class KestrelAnswer
{
    /// <summary>
    /// The problem answer for <paramref name="answer"/> when it is exactly one HTTP/1.1 head with
    /// <c>Content-Length: 0</c> and <c>Connection: close</c> and a status Kestrel refuses requests with;
    /// otherwise null. The connection closes after it, so the body added cannot unframe a later answer.
    /// </summary>
    public static byte[]? AsProblem(ReadOnlySpan<byte> answer, KestrelServerLimits limits, string traceId)
    {
        if (answer.Length < 16 || !answer.StartsWith("HTTP/1.1 "u8) || answer.IndexOf("\r\n\r\n"u8) != answer.Length - 4
            || !int.TryParse(answer.Slice(9, 3), out var status) || Problem(status, limits) is not var (error, detail))
        {
            return null;
        }
        var lines = Encoding.ASCII.GetString(answer[..^4]).Split("\r\n");
        var kept = lines.Where(l => !l.Equals("Content-Length: 0", StringComparison.OrdinalIgnoreCase)).ToList();
        if (kept.Count != lines.Length - 1 || !lines.Contains("Connection: close", StringComparer.OrdinalIgnoreCase))
        {
            return null;
        }
        var body = Body(error, detail, traceId);
        kept.AddRange(["Content-Type: application/problem+json", "X-Content-Type-Options: nosniff", $"Content-Length: {body.Length}", "", ""]);
        return [.. Encoding.ASCII.GetBytes(string.Join("\r\n", kept)), .. body];
    }

    static (ErrorCode, string)? Problem(int status, KestrelServerLimits limits) => status switch
    {
        400 => (ErrorCodes.MalformedRequest, "The request line or a header is not valid HTTP/1.1; the connection was closed."),
        405 => (ErrorCodes.MethodNotAllowed, "This form of request target takes only the method in `Allow` (`*` is for OPTIONS, `host:port` for CONNECT)."),
        408 => (ErrorCodes.RequestTimeout, $"The request headers did not arrive within {limits.RequestHeadersTimeout.TotalSeconds:0.###} s."),
        414 => (ErrorCodes.UriTooLong, $"The request line is longer than {limits.MaxRequestLineSize} bytes."),
        431 => (ErrorCodes.HeadersTooLarge,
            $"The request headers are larger than {limits.MaxRequestHeadersTotalSize} bytes or more than {limits.MaxRequestHeaderCount} fields."),
        505 => (ErrorCodes.HttpVersionNotSupported, "The request line names an HTTP version Keel does not speak; use HTTP/1.1."),
        _ => null,
    };

    static byte[] Body(ErrorCode error, string detail, string traceId)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("type", error.Type);
            json.WriteString("title", error.Title);
            json.WriteNumber("status", error.Status);
            json.WriteString("detail", detail);
            json.WriteString("code", error.Code);
            json.WriteString("trace_id", traceId);
            json.WriteEndObject();
        }
        return stream.ToArray();
    }
}
