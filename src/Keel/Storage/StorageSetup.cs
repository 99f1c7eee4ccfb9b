using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using Microsoft.Extensions.Options;

namespace Keel.Storage;

public static class StorageSetup
{
    public static IHostApplicationBuilder AddStorage(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSettings<StorageOptions>("Storage");
        // Both contexts are registered (pooled: options built once, instances reused); which one KeelDb
        // resolves to is read from the options when a scope first needs it, so configuration given late
        // (tests, command line) still counts.
        builder.Services.AddDbContextPool<SqliteKeelDb>((sp, o) => ConfigureSqlite(o, sp.GetRequiredService<IOptions<StorageOptions>>().Value));
        builder.Services.AddDbContextPool<PostgresKeelDb>((sp, o) => ConfigurePostgres(o, sp.GetRequiredService<IOptions<StorageOptions>>().Value));
        builder.Services.AddScoped<KeelDb>(sp => sp.GetRequiredService<IOptions<StorageOptions>>().Value.IsPostgres
            ? sp.GetRequiredService<PostgresKeelDb>()
            : sp.GetRequiredService<SqliteKeelDb>());
        builder.Services.AddScoped<TenantDb>();
        builder.Services.AddHostedService<StartupTasks>();
        builder.Services.AddSingleton<IStartupTask, MigrateOnStart>();
        return builder;
    }

    internal static void ConfigureSqlite(DbContextOptionsBuilder o, StorageOptions storage)
    {
        var cs = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(storage.EffectiveConnectionString);
        if (Path.GetDirectoryName(Path.GetFullPath(cs.DataSource)) is { } dir && cs.Mode != Microsoft.Data.Sqlite.SqliteOpenMode.Memory)
        {
            PrivateFiles.CreateFolder(dir);
            PrivateFiles.CreateEmptyFile(Path.GetFullPath(cs.DataSource));
        }
        // A busy writer makes other writers wait rather than fail at once.
        cs.DefaultTimeout = Math.Max(cs.DefaultTimeout, 30);
        o.UseSqlite(cs.ToString()).UseSnakeCaseNamingConvention();
    }

    internal static void ConfigurePostgres(DbContextOptionsBuilder o, StorageOptions storage) =>
        o.UseNpgsql(WithAutoPrepare(storage.EffectiveConnectionString)).UseSnakeCaseNamingConvention();

    /// <summary>
    /// Npgsql prepares no statement unless told to; Keel runs a few queries over and over, and preparing them spares
    /// PostgreSQL planning each one (docs/benchmarks.md, Publish). A connection string that sets <c>Max Auto Prepare</c>
    /// keeps its value (0 for a pooler that cannot keep prepared statements).
    /// </summary>
    internal static string WithAutoPrepare(string connectionString)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        if (given.Keys.Cast<string>().Any(k => k.Replace(" ", "", StringComparison.Ordinal).Equals("MaxAutoPrepare", StringComparison.OrdinalIgnoreCase)))
        {
            return connectionString;
        }
        return new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { MaxAutoPrepare = 64 }.ConnectionString;
    }

    /// <summary>Applies migrations (`keel migrate`, and at start unless Storage:MigrateOnStart is false).</summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<KeelDb>();
        await db.Database.MigrateAsync(ct);
        if (db is SqliteKeelDb)
        {
            // WAL lets readers run beside the one writer; it is a property of the file, set once.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
        }
    }

    sealed class MigrateOnStart(IServiceProvider services, IOptions<StorageOptions> options) : IStartupTask
    {
        public int Order => StartupOrder.Migrations;

        public Task RunAsync(CancellationToken ct) => options.Value.MigrateOnStart ? MigrateAsync(services, ct) : Task.CompletedTask;
    }
}

// Used by `dotnet ef migrations add` only: one factory per provider, each writing to its own folder.
internal sealed class SqliteDesignFactory : IDesignTimeDbContextFactory<SqliteKeelDb>
{
    public SqliteKeelDb CreateDbContext(string[] args)
    {
        var o = new DbContextOptionsBuilder<SqliteKeelDb>();
        o.UseSqlite("Data Source=design.db").UseSnakeCaseNamingConvention();
        return new SqliteKeelDb(o.Options);
    }
}

internal sealed class PostgresDesignFactory : IDesignTimeDbContextFactory<PostgresKeelDb>
{
    public PostgresKeelDb CreateDbContext(string[] args)
    {
        var o = new DbContextOptionsBuilder<PostgresKeelDb>();
        o.UseNpgsql("Host=localhost;Database=design").UseSnakeCaseNamingConvention();
        return new PostgresKeelDb(o.Options);
    }
}
