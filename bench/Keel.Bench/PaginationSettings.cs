using System.CommandLine;

namespace Keel.Bench;

/// <summary>The options of the pagination scenario, bounded so that no run can go on indefinitely.</summary>
public sealed record PaginationSettings(
    IReadOnlyList<string> Providers, string? Postgres, int Rows, int Limit, int Page, int Requests, int Repeat, int Warmup)
{
    public const string PostgresVariable = "KEEL_TEST_POSTGRES";

    /// <summary>
    /// The pages measured, in this order: 1 (no cursor, the baseline), 2 (the first with a cursor: what a cursor
    /// costs at no depth), the middle one (the shape) and the deep one.
    /// </summary>
    public int[] Pages => [.. new[] { 1, 2, Math.Max(2, Page / 2), Page }.Distinct()];

    static readonly Option<string> ProviderOption = new("--provider")
    {
        Description = "Storage provider(s) to measure, one after the other",
        DefaultValueFactory = _ => "sqlite",
    };

    static readonly Option<string?> PostgresOption = new("--postgres")
    {
        Description = $"PostgreSQL server connection string (loopback only); default: ${PostgresVariable}. A database keel_bench_<random> is made on it and dropped at the end",
    };

    static readonly Option<int> RowsOption = LoadSettings.Bounded("--rows", "Client keys seeded into the tenant's list", 1_000_000, 1, 10_000_000);
    static readonly Option<int> LimitOption = LoadSettings.Bounded("--limit", "Page size (?limit=)", 100, 1, 200);
    static readonly Option<int> PageOption = LoadSettings.Bounded("--page", "The deep page measured against page 1", 10_000, 2, 10_000_000);
    static readonly Option<int> RequestsOption = LoadSettings.Bounded("--requests", "Measured requests per page per repeat", 2000, 1, 100_000);
    static readonly Option<int> RepeatOption = LoadSettings.Bounded("--repeat", "Repeats", 3, 1, 20);
    static readonly Option<int> WarmupOption = LoadSettings.Bounded("--warmup", "Unmeasured requests per page before the first repeat (lets tiered JIT finish)", 2000, 0, 10_000);

    public static Command AddTo(Command command)
    {
        ProviderOption.AcceptOnlyFromAmong("sqlite", "postgres", "both");
        foreach (var option in new Option[] { ProviderOption, PostgresOption, RowsOption, LimitOption, PageOption, RequestsOption, RepeatOption, WarmupOption })
        {
            command.Options.Add(option);
        }
        return command;
    }

    /// <summary>Why these settings cannot run, or null. (A command validator sees 0 for options left at their default.)</summary>
    public string? Problem =>
        Providers.Contains("postgres") && string.IsNullOrEmpty(Postgres) ? $"PostgreSQL needs --postgres \"Host=...\" or ${PostgresVariable}."
        : (long)Page * Limit > Rows ? "--rows must be at least --page x --limit, so that the deep page is full and has a next page."
        : null;

    public static PaginationSettings From(ParseResult parse)
    {
        var provider = parse.GetValue(ProviderOption)!;
        string[] providers = provider == "both" ? ["sqlite", "postgres"] : [provider];
        return new PaginationSettings(providers, parse.GetValue(PostgresOption) ?? Environment.GetEnvironmentVariable(PostgresVariable),
            parse.GetValue(RowsOption), parse.GetValue(LimitOption), parse.GetValue(PageOption), parse.GetValue(RequestsOption),
            parse.GetValue(RepeatOption), parse.GetValue(WarmupOption));
    }
}
