using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Keel.Tests.Infrastructure;

/// <summary>Keeps every log line of one node (category, level, message, state and exception) for a test to search.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    /// <summary>The same log entries with their level and exception as objects, for tests that filter by them.</summary>
    public ConcurrentQueue<CapturedLog> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Capture(categoryName, Lines, Entries);

    public void Dispose()
    {
    }

    sealed class Capture(string category, ConcurrentQueue<string> lines, ConcurrentQueue<CapturedLog> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull
        {
            lines.Enqueue($"{category} scope: {state}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var message = formatter(state, exception);
            lines.Enqueue($"{category} {logLevel}: {message} {state} {exception}");
            entries.Enqueue(new CapturedLog(category, logLevel, message, exception));
        }
    }
}

public sealed record CapturedLog(string Category, LogLevel Level, string Message, Exception? Exception);
