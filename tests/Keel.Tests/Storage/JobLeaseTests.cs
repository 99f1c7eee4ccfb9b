using Keel.Jobs;
using Keel.Storage;
using Keel.Tests.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Keel.Tests.Storage;

/// <summary>
/// Job leases on PostgreSQL (advisory locks; the mechanism only PostgreSQL has): one holder per job per
/// database, kept across runs, freed when the holder disposes it or loses its connection.
/// </summary>
public sealed class JobLeaseTests
{
    static JobLeases Leases(string connectionString) =>
        new(Options.Create(new StorageOptions { Provider = StorageOptions.Postgres, ConnectionString = connectionString }));

    [Fact]
    public async Task OneNodeHoldsAJob_UntilItLetsGo()
    {
        var db = await TestServers.NewPostgresDatabaseAsync();
        try
        {
            await using var first = Leases(db).For("rollup");
            await using var second = Leases(db).For("rollup");
            await using var otherJob = Leases(db).For("lease-test");

            Assert.True(await first.IsHeldAsync(default));
            Assert.False(await second.IsHeldAsync(default));
            Assert.True(await otherJob.IsHeldAsync(default));
            // The holder keeps it run after run; asking again does not stack locks.
            Assert.True(await first.IsHeldAsync(default));
            Assert.False(await second.IsHeldAsync(default));

            // Closing the session frees the lock once the server has ended that backend, a moment later.
            await first.DisposeAsync();
            await Eventually.TrueAsync(async () => await second.IsHeldAsync(default), TimeSpan.FromSeconds(10), () => "the lease was not freed");
            Assert.False(await first.IsHeldAsync(default));
        }
        finally
        {
            await TestServers.DropPostgresDatabaseAsync(db);
        }
    }

    [Fact]
    public async Task AHolderWhoseConnectionDies_LosesTheLease_AndAnotherNodeTakesIt()
    {
        var db = await TestServers.NewPostgresDatabaseAsync();
        try
        {
            await using var first = Leases(db).For("lease-test");
            await using var second = Leases(db).For("lease-test");
            Assert.True(await first.IsHeldAsync(default));
            Assert.False(await second.IsHeldAsync(default));

            await TerminateLockHoldersAsync(db, first.LockId);

            Assert.False(await first.IsHeldAsync(default)); // it notices before running the job again
            // The server frees the lock once the terminated backend has exited, a moment after the signal.
            await Eventually.TrueAsync(async () => await second.IsHeldAsync(default), TimeSpan.FromSeconds(10), () => "the lease was not freed");
            Assert.False(await first.IsHeldAsync(default));
        }
        finally
        {
            await TestServers.DropPostgresDatabaseAsync(db);
        }
    }

    [Fact]
    public async Task OnSqlite_TheOnlyNodeHoldsEveryLease()
    {
        var leases = new JobLeases(Options.Create(new StorageOptions { Provider = StorageOptions.Sqlite }));
        await using var lease = leases.For("rollup");
        Assert.True(await lease.IsHeldAsync(default));
    }

    [Fact]
    public void LockIds_AreStableAndDistinct()
    {
        Assert.Equal(JobLease.LockIdOf("rollup"), JobLease.LockIdOf("rollup"));
        Assert.NotEqual(JobLease.LockIdOf("rollup"), JobLease.LockIdOf("rotation"));
    }

    static async Task TerminateLockHoldersAsync(string db, long lockId)
    {
        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        // An advisory lock on a bigint key shows its high half as classid and its low half as objid. pg_locks
        // covers the whole server, where other tests' nodes hold the same jobs' locks in their own databases.
        await using var kill = new NpgsqlCommand("""
            SELECT count(pg_terminate_backend(pid)) FROM pg_locks
            WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND classid::bigint = (@id >> 32) & 4294967295 AND objid::bigint = @id & 4294967295
            """, connection) { Parameters = { new("id", lockId) } };
        Assert.Equal(1L, await kill.ExecuteScalarAsync());
    }
}
