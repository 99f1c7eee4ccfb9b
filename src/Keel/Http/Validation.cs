using Microsoft.AspNetCore.Http.HttpResults;

namespace Keel.Http;

/// <summary>Collects field errors of a request; one problem lists them all.</summary>
public sealed class Validation
{
    readonly Dictionary<string, List<string>> _errors = [];

    public Validation Require(bool ok, string field, string message)
    {
        if (!ok)
        {
            (_errors.TryGetValue(field, out var list) ? list : _errors[field] = []).Add(message);
        }
        return this;
    }

    public bool Failed => _errors.Count > 0;

    public ProblemHttpResult Problem() => Problems.Validation(_errors.ToDictionary(e => e.Key, e => e.Value.ToArray()));
}
