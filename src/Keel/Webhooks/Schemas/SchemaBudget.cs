using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace Keel.Webhooks;

/// <summary>
/// The work one payload check may do: evaluation units (subschema applications and the array
/// elements or properties they visit), wall time, and stack. A schema is a program a tenant wrote;
/// without a budget one publish could hold a core for minutes or overflow the stack, which no
/// <c>catch</c> survives. The budget is per thread because JsonSchema.Net evaluates synchronously.
/// </summary>
internal sealed class SchemaBudget : IDisposable
{
    [ThreadStatic] static SchemaBudget? _current;

    readonly SchemaBudget? _outer;
    readonly long _deadline;
    long _units;

    SchemaBudget(long units, TimeSpan time)
    {
        _outer = _current;
        _units = units;
        _deadline = Stopwatch.GetTimestamp() + (long)(time.TotalSeconds * Stopwatch.Frequency);
        _current = this;
    }

    /// <summary>Starts a budget for the evaluations this thread runs until the result is disposed.</summary>
    public static SchemaBudget Begin(long units, TimeSpan time) => new(units, time);

    /// <summary>
    /// Spends <paramref name="units"/>, or throws <see cref="SchemaBudgetExceededException"/> when the
    /// budget, its time or the thread's stack is used up. The stack is checked even without a budget.
    /// </summary>
    public static void Charge(long units)
    {
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw new SchemaBudgetExceededException("the schema nests too deeply for this payload");
        }
        if (_current is not { } budget)
        {
            return;
        }
        budget._units -= units;
        if (budget._units < 0)
        {
            throw new SchemaBudgetExceededException("checking this payload against the schema takes too many steps");
        }
        if (Stopwatch.GetTimestamp() > budget._deadline)
        {
            throw new SchemaBudgetExceededException("checking this payload against the schema takes too long");
        }
    }

    public void Dispose() => _current = _outer;
}

/// <summary>A payload check ran out of its <see cref="SchemaBudget"/>.</summary>
internal sealed class SchemaBudgetExceededException(string message) : Exception(message);
