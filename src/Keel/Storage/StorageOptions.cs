using System.ComponentModel.DataAnnotations;

namespace Keel.Storage;

public sealed class StorageOptions : IValidatableObject
{
    public const string Sqlite = "sqlite";
    public const string Postgres = "postgres";

    /// <summary><c>sqlite</c> (the embedded default) or <c>postgres</c>.</summary>
    [Required(ErrorMessage = ProviderMessage), RegularExpression("^(sqlite|postgres)$", ErrorMessage = ProviderMessage)]
    public string Provider { get; set; } = Sqlite;

    /// <summary>ADO.NET connection string of the provider; defaults to a SQLite file under ./.keel/.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>Apply pending migrations when the process starts (turn off where `keel migrate` runs instead).</summary>
    public bool MigrateOnStart { get; set; } = true;

    public bool IsPostgres => Provider == Postgres;

    public string EffectiveConnectionString => ConnectionString is { Length: > 0 } cs ? cs
        : IsPostgres ? throw new InvalidOperationException(RequiredMessage)
        : "Data Source=.keel/keel.db";

    const string ProviderMessage = "Storage:Provider must be 'sqlite' or 'postgres'.";
    const string RequiredMessage = "Storage:ConnectionString is required when Storage:Provider is 'postgres'.";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (IsPostgres && string.IsNullOrEmpty(ConnectionString))
        {
            yield return new ValidationResult(RequiredMessage, [nameof(ConnectionString)]);
        }
        else if (!Parses(EffectiveConnectionString))
        {
            // The parser's own message is left out: it can quote a piece of the password.
            yield return new ValidationResult(
                $"Storage:ConnectionString must be a {(IsPostgres ? "PostgreSQL" : "SQLite")} connection string (Key=value pairs separated by ';'"
                + (IsPostgres ? ")." : ", with a Data Source)."),
                [nameof(ConnectionString)]);
        }
    }

    bool Parses(string connectionString)
    {
        try
        {
            if (IsPostgres)
            {
                _ = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
                return true;
            }
            return new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(connectionString).DataSource.Length > 0;
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidCastException or OverflowException)
        {
            return false;
        }
    }
}
