using System.Data.Common;
using System.Text;
using System.Text.Json;
using Keel.Storage;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Net.Http.Headers;

namespace Keel.Http;

/// <summary>
/// Turns exceptions into catalogued problems: <see cref="ProblemException"/> as thrown, the
/// framework's bind failures by what went wrong in the body, and anything else into a 500 that
/// carries only a trace id (the stack trace goes to the log, never to the client).
/// </summary>
internal sealed partial class KeelExceptionHandler(ILogger<KeelExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        if (context.Response.HasStarted)
        {
            return false;
        }
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            return true; // the client went away; nobody is left to answer
        }
        // What ASP.NET Core throws for a charset it does not know wraps the ArgumentException of Encoding.GetEncoding.
        var (error, detail, errors) = exception is InvalidOperationException { InnerException: ArgumentException } && NamesUnknownCharset(context.Request)
            ? (ErrorCodes.UnsupportedMediaType, "The Content-Type names a charset that is not a known encoding; send JSON in UTF-8.", null)
            : Classify(exception);
        if (error == ErrorCodes.InternalError)
        {
            Unhandled(logger, context.Request.Method, context.Request.Path, exception);
        }
        else if (error == ErrorCodes.Unavailable)
        {
            DependencyUnavailable(logger, context.Request.Method, context.Request.Path, exception);
        }
        context.Response.StatusCode = error.Status;
        if (error == ErrorCodes.Unavailable)
        {
            context.Response.Headers.RetryAfter = "1";
        }
        await Problems.WriteAsync(context, error, detail, errors);
        return true;
    }

    internal static (ErrorCode Error, string? Detail, IDictionary<string, string[]>? Errors) Classify(Exception exception)
    {
        if (exception is ProblemException problem)
        {
            return (problem.Error, problem.Message, problem.Errors);
        }
        for (var e = exception; e is not null; e = e.InnerException)
        {
            // System.Text.Json checks UTF-8 only when it turns a string into .NET text: in model binding (a
            // JsonException around it) or, for a JsonElement such as `meta`, in the handler. Either way the decoder's
            // exception is inside.
            if (e is DecoderFallbackException)
            {
                return (ErrorCodes.MalformedJson, "The body is not valid UTF-8.", null);
            }
        }
        // A JsonException is the client's only when model binding read it from the body; anywhere else
        // (writing an answer) it is Keel's own failure.
        var fromBody = false;
        for (var e = exception; e is not null; e = e.InnerException)
        {
            fromBody |= e is BadHttpRequestException;
            switch (e)
            {
                case DbException db when DbErrors.IsNulInText(db):
                    return (ErrorCodes.BadRequest, "Text values may not contain the NUL character (U+0000).", null);
                case JsonException json when fromBody:
                    return FromJson(json);
                // The database (or Redis) cannot be reached or is busy: the client may retry, and it is
                // not Keel's bug; 503 with Retry-After rather than a 500.
                case DbException db when DbErrors.IsUnavailable(db):
                case StackExchange.Redis.RedisConnectionException:
                case TimeoutException:
                    return (ErrorCodes.Unavailable, "A dependency of Keel (the database or Redis) is unavailable; retry with backoff.", null);
                case BadHttpRequestException { StatusCode: 413 }:
                    return (ErrorCodes.BodyTooLarge, null, null);
                case BadHttpRequestException { StatusCode: 415 }:
                    return (ErrorCodes.UnsupportedMediaType, null, null);
            }
        }
        // The framework's bind failures have no type or code of their own beyond 400; only the message tells a missing
        // body from a bad parameter (ExceptionClassificationTests pins the messages it really throws).
        if (exception is BadHttpRequestException bad)
        {
            return bad.Message.Contains("no body was provided", StringComparison.Ordinal)
                || bad.Message.Contains("from body", StringComparison.Ordinal)
                ? (ErrorCodes.BodyRequired, null, null)
                : (ErrorCodes.BadRequest, bad.Message, null);
        }
        return (ErrorCodes.InternalError, null, null);
    }

    static (ErrorCode, string?, IDictionary<string, string[]>?) FromJson(JsonException json)
    {
        var field = FieldOf(json.Path);
        for (Exception? e = json; e is not null; e = e.InnerException)
        {
            if (e is NulInTextException)
            {
                return (ErrorCodes.ValidationFailed, NulFreeStrings.Message, new Dictionary<string, string[]> { [field] = [NulFreeStrings.Message] });
            }
        }
        // System.Text.Json throws a plain JsonException for every kind of failure; its message is all that tells them apart.
        if (json.Message.Contains("could not be mapped to any .NET member", StringComparison.Ordinal))
        {
            var name = UnknownName(json.Message) ?? field;
            return (ErrorCodes.UnknownField, $"Unknown field '{name}'.", new Dictionary<string, string[]> { [name] = ["Unknown field."] });
        }
        if (json.Message.Contains("could not be converted", StringComparison.Ordinal))
        {
            return (ErrorCodes.InvalidType, $"Field '{field}' has the wrong JSON type.",
                new Dictionary<string, string[]> { [field] = ["Wrong JSON type."] });
        }
        var where = json.LineNumber is { } line ? $" (line {line + 1}, byte {json.BytePositionInLine + 1})" : "";
        return (ErrorCodes.MalformedJson, $"The body is not valid JSON{where}.", null);
    }

    /// <summary>
    /// Whether the request's Content-Type names a charset .NET does not know. ASP.NET Core throws a bare
    /// InvalidOperationException when it meets one, told apart from Keel's own only by its message: the request is
    /// judged instead, as ASP.NET Core judges it (<see cref="Encoding.GetEncoding(string)"/>).
    /// </summary>
    internal static bool NamesUnknownCharset(HttpRequest request)
    {
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var media) || media.Charset is not { Length: > 0 } charset
            || charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        try
        {
            Encoding.GetEncoding(HeaderUtilities.RemoveQuotes(charset).ToString());
            return false;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }

    // "$.scopes[0]" -> "scopes[0]"; the root itself is "body".
    static string FieldOf(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;

    // System.Text.Json names the property in quotes: "The JSON property 'foo' could not be mapped ...".
    static string? UnknownName(string message)
    {
        var start = message.IndexOf('\'', StringComparison.Ordinal);
        var end = start < 0 ? -1 : message.IndexOf('\'', start + 1);
        return end > start ? message[(start + 1)..end] : null;
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "Unhandled exception on {Method} {Path}")]
    static partial void Unhandled(ILogger logger, string method, string path, Exception exception);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "A dependency is unavailable on {Method} {Path}")]
    static partial void DependencyUnavailable(ILogger logger, string method, string path, Exception exception);
}
