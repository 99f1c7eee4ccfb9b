namespace Keel.Tests.Fuzz;

/// <summary>A caller of the API: its name in reports, its client and the ids its answers taught it.</summary>
public sealed record Party(string Name, HttpClient Client, IdPool Pool);

/// <summary>Why a request is sent, which decides what its answer may be.</summary>
public enum Purpose
{
    /// <summary>A fuzzed write: any catalogued problem will do; a success is remembered as a write that stored something.</summary>
    Write,

    /// <summary>A valid seed body, sent to give the tenant one of everything.</summary>
    Seed,

    /// <summary>A read of an item or with fuzzed query parameters.</summary>
    Read,

    /// <summary>A plain list read by a caller allowed to make it: stored data must not break it.</summary>
    ListRead,
}

/// <summary>One request of the fuzz: who sends what to which URL, and why.</summary>
public sealed record FuzzRequest(Party Party, ApiRoute Route, string Url, FuzzBody Body, Purpose Purpose)
{
    /// <summary>Another tenant's id in the path: the answer must not be a success.</summary>
    public string? ForeignId { get; init; }

    /// <summary>Header parameters of the route, set to hostile values.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>For a report on a read: which request made the item it reads.</summary>
    public string? Context { get; init; }
}
