using Keel.Hosting;

return await KeelCommandLine.Build().Parse(args).InvokeAsync();

/// <summary>The entry point, public so that tests can host it with WebApplicationFactory.</summary>
public partial class Program;
