using System.CommandLine;

namespace Keel.Bench;

/// <summary>The options every load scenario shares, bounded so that no run can go on indefinitely.</summary>
public sealed record LoadSettings(TimeSpan Duration, int Connections, int Repeat, TimeSpan Warmup, int Rate)
{
    sealed record Options(Option<int> Duration, Option<int> Connections, Option<int> Repeat, Option<int> Warmup, Option<int> Rate);

    static readonly Dictionary<Command, Options> Registered = [];

    /// <summary>Adds the shared options to a scenario's command.</summary>
    public static Command AddTo(Command command)
    {
        var options = new Options(
            Bounded("--duration", "Seconds per measured run", 10, 1, 600),
            Bounded("--connections", "Concurrent workers (and connections) in closed-loop runs", 32, 1, 1024),
            Bounded("--repeat", "Repeats; each measures the scenario and its baseline, alternating their order", 3, 1, 20),
            Bounded("--warmup", "Seconds of unmeasured load per endpoint before the first repeat (lets tiered JIT finish)", 10, 0, 60),
            Bounded("--rate", "Requests per second of the open-loop (fixed rate) runs", 1000, 1, 100_000));
        command.Options.Add(options.Duration);
        command.Options.Add(options.Connections);
        command.Options.Add(options.Repeat);
        command.Options.Add(options.Warmup);
        command.Options.Add(options.Rate);
        Registered[command] = options;
        return command;
    }

    public static LoadSettings From(ParseResult parse)
    {
        var o = Registered[parse.CommandResult.Command];
        return new LoadSettings(TimeSpan.FromSeconds(parse.GetValue(o.Duration)), parse.GetValue(o.Connections), parse.GetValue(o.Repeat),
            TimeSpan.FromSeconds(parse.GetValue(o.Warmup)), parse.GetValue(o.Rate));
    }

    /// <summary>An integer option with a default and inclusive bounds, checked when the command line is parsed.</summary>
    internal static Option<int> Bounded(string name, string description, int defaultValue, int min, int max)
    {
        var option = new Option<int>(name) { Description = $"{description} ({min}-{max})", DefaultValueFactory = _ => defaultValue };
        option.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is var v && (v < min || v > max))
            {
                r.AddError($"{name} must be from {min} to {max}.");
            }
        });
        return option;
    }
}
