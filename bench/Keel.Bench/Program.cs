using System.CommandLine;
using Keel.Bench;

// One subcommand per scenario; a new scenario adds its Command here.
var root = new RootCommand("Keel benchmarks: each scenario measures Keel beside its baseline in the same run")
{
    VerifyScenario.Command(),
    PaginationScenario.Command(),
    StormScenario.Command(),
    Keel.Bench.Publish.PublishScenario.Command(),
    RateLimitScenario.Command(),
    Keel.Bench.Nab.NabScenario.Command(),
    Keel.Bench.Anomalies.AnomalyCostScenario.Command(),
};
return await root.Parse(args).InvokeAsync();
