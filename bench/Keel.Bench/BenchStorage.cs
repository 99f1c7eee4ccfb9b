using System.Data.Common;
using Keel.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Keel.Bench;

/// <summary>Direct connections to the database Keel uses, for setup work and checks that are not measured.</summary>
public sealed class BenchStorage(bool isPostgres, string connectionString)
{
    /// <summary>The storage of a <see cref="KeelServer"/> in this process, as Keel itself resolved it.</summary>
    public BenchStorage(KeelServer server)
        : this(server.Services.GetRequiredService<IOptions<StorageOptions>>().Value)
    {
    }

    BenchStorage(StorageOptions options)
        : this(options.IsPostgres, options.EffectiveConnectionString)
    {
    }

    public bool IsPostgres => isPostgres;

    public string ProviderName => IsPostgres ? "PostgreSQL" : "SQLite";

    public async Task<DbConnection> OpenAsync(CancellationToken ct)
    {
        DbConnection connection = IsPostgres
            ? new NpgsqlConnection(connectionString)
            : new SqliteConnection(connectionString);
        await connection.OpenAsync(ct);
        return connection;
    }

    /// <summary>A command with named parameters (<c>@name</c>, which both providers accept).</summary>
    public static DbCommand Command(DbConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 600;
        foreach (var (name, value) in parameters)
        {
            var parameter = command.CreateParameter();
            parameter.ParameterName = name;
            parameter.Value = value;
            command.Parameters.Add(parameter);
        }
        return command;
    }

    /// <summary>The first column of every row of <paramref name="sql"/>, as text.</summary>
    public static async Task<List<string>> ColumnAsync(DbConnection connection, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var command = Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var values = new List<string>();
        while (await reader.ReadAsync(ct))
        {
            values.Add(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture) ?? "");
        }
        return values;
    }
}
