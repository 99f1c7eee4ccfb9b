using System.CommandLine;

namespace Keel.Bench.Publish;

/// <summary>The options of the publish scenario, bounded so that no run can go on indefinitely.</summary>
public sealed record PublishSettings(
    string Provider, string? Postgres, int Endpoints, int Connections, TimeSpan Duration, int Repeat, TimeSpan Warmup, int PayloadBytes, int Batch, string? Wrk)
{
    static readonly Option<string> ProviderOption = new("--provider") { Description = "Keel's storage", DefaultValueFactory = _ => "postgres" };
    static readonly Option<string?> PostgresOption = new("--postgres")
    {
        Description = $"PostgreSQL server connection string (loopback only); default: ${PaginationSettings.PostgresVariable}. A database keel_bench_<random> is made on it and dropped at the end",
    };
    static readonly Option<int> EndpointsOption = LoadSettings.Bounded("--endpoints", "Endpoints subscribed to the published type (a loopback receiver each)", 0, 0, 100);
    static readonly Option<int> ConnectionsOption = LoadSettings.Bounded("--connections", "Concurrent publishers (and connections), for the bench's client and for wrk", 16, 1, 1024);
    static readonly Option<int> DurationOption = LoadSettings.Bounded("--duration", "Seconds per measured run", 10, 1, 600);
    static readonly Option<int> RepeatOption = LoadSettings.Bounded("--repeat", "Repeats; each measures every run, alternating their order", 3, 1, 20);
    static readonly Option<int> WarmupOption = LoadSettings.Bounded("--warmup", "Seconds of unmeasured publishing before the first repeat (lets tiered JIT finish)", 10, 0, 120);
    static readonly Option<int> PayloadOption = LoadSettings.Bounded("--payload-bytes", "Size of each event's payload JSON", 256, 80, 65_536);
    static readonly Option<int> BatchOption = LoadSettings.Bounded("--batch", "Events per request: 1 publishes with POST /v1/events, more with POST /v1/events/batch", 1, 1, 100);
    static readonly Option<string?> WrkOption = new("--wrk")
    {
        Description = "The outside load generator: a wrk binary, or none. Default: wrk on PATH (scripts/with-durable-postgres installs it)",
    };

    public static Command AddTo(Command command)
    {
        ProviderOption.AcceptOnlyFromAmong("postgres", "sqlite");
        foreach (var option in new Option[]
        {
            ProviderOption, PostgresOption, EndpointsOption, ConnectionsOption, DurationOption, RepeatOption, WarmupOption, PayloadOption, BatchOption, WrkOption,
        })
        {
            command.Options.Add(option);
        }
        return command;
    }

    public bool IsPostgres => Provider == "postgres";

    /// <summary>Why these settings cannot run, or null.</summary>
    public string? Problem =>
        IsPostgres && string.IsNullOrEmpty(Postgres) ? $"PostgreSQL needs --postgres \"Host=...\" or ${PaginationSettings.PostgresVariable}."
        : null;

    public static PublishSettings From(ParseResult parse) => new(
        parse.GetValue(ProviderOption)!, parse.GetValue(PostgresOption) ?? Environment.GetEnvironmentVariable(PaginationSettings.PostgresVariable),
        parse.GetValue(EndpointsOption), parse.GetValue(ConnectionsOption), TimeSpan.FromSeconds(parse.GetValue(DurationOption)),
        parse.GetValue(RepeatOption), TimeSpan.FromSeconds(parse.GetValue(WarmupOption)), parse.GetValue(PayloadOption), parse.GetValue(BatchOption),
        OutsideLoad.Find(parse.GetValue(WrkOption)));
}
