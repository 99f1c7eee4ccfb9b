using System.ComponentModel.DataAnnotations;

namespace Keel.Storage;

public sealed class StorageOptions
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary><c>sqlite</c> (the embedded default) or <c>postgres</c>.</summary>
    [Required, RegularExpression("^(sqlite|postgres)$", ErrorMessage = "Storage:Provider must be 'sqlite' or 'postgres'.")]
    public string Provider { get; set; } = Sqlite;

    /// <summary>ADO.NET connection string of the provider; defaults to a SQLite file under ./.keel/.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Apply pending migrations when the process starts (turn off where `keel migrate` runs instead).</summary>
    public bool MigrateOnStart { get; set; } = true;

    public bool IsPostgres => Provider == Postgres;

    public string EffectiveConnectionString => ConnectionString is { Length: > 0 } cs ? cs
        : IsPostgres ? throw new InvalidOperationException("Storage:ConnectionString is required when Storage:Provider is 'postgres'.")
        : "Data Source=.keel/keel.db";
}
