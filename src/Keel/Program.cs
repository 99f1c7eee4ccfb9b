using Keel.Hosting;

// A backstop for regular expressions built without a timeout of their own, such as the
// patternProperties of a tenant's event-type schema; set before any Regex exists.
AppContext.SetData("REGEX_DEFAULT_MATCH_TIMEOUT", TimeSpan.FromSeconds(1));

// The host handles SIGTERM/SIGINT itself (graceful shutdown). System.CommandLine's own handler is off:
// it crashed when a signal came twice (as under `dotnet run`, where parent and child both get it).
return await KeelCommandLine.Build().Parse(args).InvokeAsync(new System.CommandLine.InvocationConfiguration { ProcessTerminationTimeout = null });

/// <summary>The entry point, public so that tests can host it with WebApplicationFactory.</summary>
public partial class Program;
