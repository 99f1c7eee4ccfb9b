using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Keel.Bench;

/// <summary>
/// Counts the database commands EF Core executes in this process (where Keel runs), through its
/// DiagnosticListener: writes (INSERT, UPDATE, DELETE, REPLACE) and the rest. Only EF Core's commands
/// are seen; Keel issues every command through EF Core. <see cref="OnCommand"/>, when set, is shown each
/// executed command while it is still open (to see the SQL Keel issues and its parameters).
/// </summary>
public sealed class DbCommandCounter : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
{
    static readonly string[] WriteVerbs = ["INSERT", "UPDATE", "DELETE", "REPLACE"];
    readonly IDisposable _allListeners;
    readonly List<IDisposable> _subscriptions = [];
    long _writes;
    long _others;

    public DbCommandCounter() => _allListeners = DiagnosticListener.AllListeners.Subscribe(this);

    /// <summary>Called with every command EF Core executes, on the thread that executed it; null by default.</summary>
    public Action<System.Data.Common.DbCommand>? OnCommand { get; set; }

    public DbCommands Snapshot() => new(Interlocked.Read(ref _writes), Interlocked.Read(ref _others));

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener listener)
    {
        if (listener.Name == DbLoggerCategory.Name)
        {
            lock (_subscriptions)
            {
                // CommandExecuting is enabled too (and ignored in OnNext): with CommandExecuted alone, EF Core raised
                // no CommandExecuted events for a second Keel server started in the same process (pagination --provider both).
                _subscriptions.Add(listener.Subscribe(this, name => name == RelationalEventId.CommandExecuted.Name || name == RelationalEventId.CommandExecuting.Name));
            }
        }
    }

    void IObserver<KeyValuePair<string, object?>>.OnNext(KeyValuePair<string, object?> value)
    {
        if (value.Value is CommandExecutedEventData executed)
        {
            OnCommand?.Invoke(executed.Command);
            if (IsWrite(executed.Command.CommandText))
            {
                Interlocked.Increment(ref _writes);
            }
            else
            {
                Interlocked.Increment(ref _others);
            }
        }
    }

    static bool IsWrite(string sql)
    {
        var text = sql.AsSpan().TrimStart();
        foreach (var verb in WriteVerbs)
        {
            if (text.StartsWith(verb, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    void IObserver<DiagnosticListener>.OnCompleted()
    {
    }

    void IObserver<DiagnosticListener>.OnError(Exception error)
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnCompleted()
    {
    }

    void IObserver<KeyValuePair<string, object?>>.OnError(Exception error)
    {
    }

    public void Dispose()
    {
        _allListeners.Dispose();
        lock (_subscriptions)
        {
            _subscriptions.ForEach(s => s.Dispose());
        }
    }
}

/// <summary>Database commands executed so far; subtract two snapshots for a window.</summary>
public readonly record struct DbCommands(long Writes, long Others)
{
    public static DbCommands operator -(DbCommands a, DbCommands b) => new(a.Writes - b.Writes, a.Others - b.Others);

    public static DbCommands operator +(DbCommands a, DbCommands b) => new(a.Writes + b.Writes, a.Others + b.Others);
}
