using System.CommandLine;
using Keel.Http;
using Keel.Storage;
using Microsoft.Extensions.Options;

namespace Keel.Hosting;

/// <summary>
/// The <c>keel</c> verbs: <c>serve</c> (the default), <c>migrate</c>, <c>admin-token rotate</c> and
/// <c>errors-doc</c>. Tokens the parser does not know (such as <c>--Storage:Provider=postgres</c>)
/// pass through to .NET configuration.
/// </summary>
public static class KeelCommandLine
{
    public static RootCommand Build()
    {
        var role = new Option<string>("--role") { Description = "api, worker or all", DefaultValueFactory = _ => "all" };
        role.AcceptOnlyFromAmong("api", "worker", "all");
        var urls = new Option<string?>("--urls") { Description = "Addresses to listen on (default http://127.0.0.1:5080)" };

        var serve = new Command("serve", "Run Keel (the default verb)") { role, urls };
        serve.TreatUnmatchedTokensAsErrors = false;
        serve.SetAction((parse, ct) => ServeAsync(ConfigArgs(parse, role, urls), ct));

        var migrate = new Command("migrate", "Apply pending database migrations and exit") { TreatUnmatchedTokensAsErrors = false };
        migrate.SetAction((parse, ct) => MigrateAsync(ConfigArgs(parse, null, null), ct));

        var rotate = new Command("rotate", "Replace the platform admin token and print the new one once") { TreatUnmatchedTokensAsErrors = false };
        rotate.SetAction((parse, ct) => RotateAdminTokenAsync(ConfigArgs(parse, null, null), ct));
        var adminToken = new Command("admin-token", "Manage the platform admin token") { rotate };

        var errorsDoc = new Command("errors-doc", "Print docs/errors.md, generated from the error catalog");
        errorsDoc.SetAction(_ => Console.Out.Write(ErrorsApi.Markdown()));

        var root = new RootCommand("Keel: tenants, roles and API keys for multi-tenant SaaS APIs")
        {
            role, urls, serve, migrate, adminToken, errorsDoc,
        };
        root.TreatUnmatchedTokensAsErrors = false;
        root.SetAction((parse, ct) => ServeAsync(ConfigArgs(parse, role, urls), ct));
        return root;
    }

    static string[] ConfigArgs(ParseResult parse, Option<string>? role, Option<string?>? urls)
    {
        var args = parse.UnmatchedTokens.ToList();
        if (role is not null && parse.GetResult(role) is { Implicit: false })
        {
            args.Add($"--Keel:Role={parse.GetValue(role)}");
        }
        if (urls is not null && parse.GetValue(urls) is { } u)
        {
            args.Add($"--urls={u}");
        }
        return [.. args];
    }

    public static async Task<WebApplication> CreateAppAsync(string[] args)
    {
        // `dotnet run --project src/Keel` runs in the caller's folder (where ./.keel/ belongs); the
        // settings file ships beside the binary, so read it from there unless the folder has its own.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = File.Exists("appsettings.json") ? null : AppContext.BaseDirectory,
        });
        builder.AddKeel();
        var app = builder.Build();
        try
        {
            // Before the host starts: a wrong setting ends in one line (WithValidSettings), not in the host's error log.
            app.Services.GetRequiredService<IStartupValidator>().Validate();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        app.MapKeel();
        return app;
    }

    static Task<int> ServeAsync(string[] args, CancellationToken ct) => WithValidSettings(async () =>
    {
        await using var app = await CreateAppAsync(args);
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var url in app.Urls)
            {
                Console.WriteLine($"Keel is listening on {url} (API docs: {url.TrimEnd('/')}/docs)");
            }
        });
        await app.RunAsync(ct);
        return 0;
    });

    static Task<int> MigrateAsync(string[] args, CancellationToken ct) => WithValidSettings(async () =>
    {
        await using var app = await CreateAppAsync(args);
        await StorageSetup.MigrateAsync(app.Services, ct);
        Console.WriteLine("Migrations applied.");
        return 0;
    });

    static Task<int> RotateAdminTokenAsync(string[] args, CancellationToken ct) => WithValidSettings(async () =>
    {
        await using var app = await CreateAppAsync(args);
        await StorageSetup.MigrateAsync(app.Services, ct);
        await using var scope = app.Services.CreateAsyncScope();
        var token = await AdminTokens.RotateAsync(scope.ServiceProvider.GetRequiredService<KeelDb>(), TimeProvider.System, ct);
        Console.WriteLine($"New platform admin token (shown once; the old one stops working within 10 s):\n\n    {token}\n");
        if (app.Configuration["Keel:AdminToken"] is { Length: > 0 })
        {
            Console.WriteLine("Note: Keel:AdminToken is set in configuration and takes precedence over the stored token.");
        }
        return 0;
    });

    /// <summary>A wrong setting stops the process with exit code 2 and one line that names it.</summary>
    static async Task<int> WithValidSettings(Func<Task<int>> verb)
    {
        try
        {
            return await verb();
        }
        catch (Exception e) when (InvalidSettings(e) is { } message)
        {
            await Console.Error.WriteLineAsync($"Keel cannot start, a setting is invalid: {message.ReplaceLineEndings(" ")}");
            return 2;
        }
    }

    /// <summary>What is wrong with the settings, when that is what <paramref name="e"/> says; otherwise null.</summary>
    static string? InvalidSettings(Exception e) => e switch
    {
        OptionsValidationException invalid => string.Join(" ", invalid.Failures),
        // Several options classes failed at once.
        AggregateException all when all.InnerExceptions.All(i => InvalidSettings(i) is not null) =>
            string.Join(" ", all.InnerExceptions.Select(InvalidSettings)),
        // The configuration binder has no exception type of its own for a value it cannot convert
        // ("Failed to convert configuration value at 'Webhooks:AllowHttp' to type 'System.Boolean'").
        InvalidOperationException when e.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal) => e.Message,
        _ => null,
    };
}
