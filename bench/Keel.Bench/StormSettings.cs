using System.CommandLine;

namespace Keel.Bench;

/// <summary>The options of the storm scenario, bounded so that no run can go on indefinitely.</summary>
public sealed record StormSettings(
    int Events, int Endpoints, string Provider, string? Postgres, bool KeelProcess, int Repeat, int Rate, int LagSeconds, bool LagToOne,
    int Publishers, int Concurrency, int PayloadBytes, int Warmup)
{
    static readonly Option<int> EventsOption = LoadSettings.Bounded("--events", "Events published in the throughput phase", 100_000, 1, 1_000_000);
    static readonly Option<int> EndpointsOption = LoadSettings.Bounded("--endpoints", "Endpoints (one loopback receiver each); every event goes to all of them", 10, 1, 100);
    static readonly Option<string> ProviderOption = new("--provider") { Description = "Keel's storage", DefaultValueFactory = _ => "postgres" };
    static readonly Option<string?> PostgresOption = new("--postgres")
    {
        Description = $"PostgreSQL server connection string (loopback only); default: ${PaginationSettings.PostgresVariable}. A database keel_bench_<random> is made on it and dropped at the end",
    };
    static readonly Option<bool> KeelProcessOption = new("--keel-process")
    {
        Description = "Run Keel as a separate process (dotnet keel.dll serve --role all) instead of in the bench's process",
    };
    static readonly Option<int> RepeatOption = LoadSettings.Bounded("--repeat", "Repeats of the throughput phase, its baseline and the lag phase", 1, 1, 10);
    static readonly Option<int> RateOption = LoadSettings.Bounded("--rate", "Events per second of the open-loop lag phase", 300, 1, 10_000);
    static readonly Option<int> LagSecondsOption = LoadSettings.Bounded("--lag-seconds", "Seconds of the lag phase", 20, 1, 600);
    static readonly Option<string> LagEndpointsOption = new("--lag-endpoints")
    {
        Description = "Where each event of the lag phase goes: to all endpoints or to one",
        DefaultValueFactory = _ => "all",
    };
    static readonly Option<int> PublishersOption = LoadSettings.Bounded("--publishers", "Concurrent publishers (and connections) in the throughput phase", 16, 1, 512);
    static readonly Option<int> ConcurrencyOption = LoadSettings.Bounded("--concurrency",
        "Keel's Webhooks:MaxConcurrency, and the baseline's concurrent requests", 512, 1, 10_000);
    static readonly Option<int> PayloadOption = LoadSettings.Bounded("--payload-bytes", "Size of each event's payload JSON", 256, 80, 65_536);
    static readonly Option<int> WarmupOption = LoadSettings.Bounded("--warmup", "Events published (and as many baseline requests per endpoint) before measuring, to let tiered JIT settle", 20_000, 0, 100_000);

    public static Command AddTo(Command command)
    {
        ProviderOption.AcceptOnlyFromAmong("postgres", "sqlite");
        LagEndpointsOption.AcceptOnlyFromAmong("all", "one");
        foreach (var option in new Option[]
        {
            EventsOption, EndpointsOption, ProviderOption, PostgresOption, KeelProcessOption, RepeatOption, RateOption, LagSecondsOption,
            LagEndpointsOption, PublishersOption, ConcurrencyOption, PayloadOption, WarmupOption,
        })
        {
            command.Options.Add(option);
        }
        return command;
    }

    public bool IsPostgres => Provider == "postgres";

    /// <summary>The receivers each event of the lag phase goes to.</summary>
    public int LagEndpoints => LagToOne ? 1 : Endpoints;

    /// <summary>Why these settings cannot run, or null.</summary>
    public string? Problem =>
        IsPostgres && string.IsNullOrEmpty(Postgres) ? $"PostgreSQL needs --postgres \"Host=...\" or ${PaginationSettings.PostgresVariable}."
        : null;

    public static StormSettings From(ParseResult parse) => new(
        parse.GetValue(EventsOption), parse.GetValue(EndpointsOption), parse.GetValue(ProviderOption)!,
        parse.GetValue(PostgresOption) ?? Environment.GetEnvironmentVariable(PaginationSettings.PostgresVariable),
        parse.GetValue(KeelProcessOption), parse.GetValue(RepeatOption), parse.GetValue(RateOption), parse.GetValue(LagSecondsOption),
        parse.GetValue(LagEndpointsOption) == "one", parse.GetValue(PublishersOption), parse.GetValue(ConcurrencyOption), parse.GetValue(PayloadOption),
        parse.GetValue(WarmupOption));
}
