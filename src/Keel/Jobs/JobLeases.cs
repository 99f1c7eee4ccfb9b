using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Keel.Storage;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Keel.Jobs;

/// <summary>
/// Hands out leases for periodic jobs (rotation, rollups, anomaly scans) so exactly one node runs each.
/// On PostgreSQL a lease is a session-level advisory lock held on a dedicated connection: the lock goes
/// with the connection, so a node that dies or loses its connection frees the job without any clock or
/// expiry to tune. The embedded SQLite default is one node, which always holds every lease.
/// </summary>
public sealed class JobLeases(IOptions<StorageOptions> storage)
{
    public JobLease For(string job) => storage.Value.IsPostgres
        ? new JobLease(job, storage.Value.EffectiveConnectionString)
        : new JobLease(job, connectionString: null);
}

/// <summary>
/// One job's lease for one node. Call <see cref="IsHeldAsync"/> before each run: it takes the lease when
/// free, and checks the connection of a lease already held (a lock on a dead connection is no lease).
/// A holder keeps the lease across runs, so a job with state in memory stays on one node until it stops.
/// </summary>
public sealed class JobLease : IAsyncDisposable
{
    readonly string? _connectionString;
    NpgsqlConnection? _connection;
    bool _held;

    internal JobLease(string job, string? connectionString)
    {
        Job = job;
        LockId = LockIdOf(job);
        _connectionString = connectionString is null ? null
            : new NpgsqlConnectionStringBuilder(connectionString) { KeepAlive = 10, Pooling = false }.ConnectionString;
    }

    public string Job { get; }

    /// <summary>The advisory lock's key: the first 8 bytes of SHA-256 of the job's name, stable across builds.</summary>
    public long LockId { get; }

    public static long LockIdOf(string job) => BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes("keel.job:" + job)));

    public async ValueTask<bool> IsHeldAsync(CancellationToken ct)
    {
        if (_connectionString is null)
        {
            return true;
        }
        try
        {
            if (_connection is null)
            {
                _connection = new NpgsqlConnection(_connectionString);
                await _connection.OpenAsync(ct);
            }
            // Taking a lock this session already holds would stack a second one; ask only while not held,
            // and otherwise prove the session is still alive.
            await using var command = _held
                ? new NpgsqlCommand("SELECT true", _connection)
                : new NpgsqlCommand("SELECT pg_try_advisory_lock(@id)", _connection) { Parameters = { new("id", LockId) } };
            _held = (bool)(await command.ExecuteScalarAsync(ct))!;
            return _held;
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException or TimeoutException)
        {
            await DropConnectionAsync();
            return false;
        }
    }

    public async ValueTask DisposeAsync() => await DropConnectionAsync();

    async ValueTask DropConnectionAsync()
    {
        _held = false;
        if (_connection is not null)
        {
            // Closing the session releases its advisory locks.
            await _connection.DisposeAsync();
            _connection = null;
        }
    }
}
