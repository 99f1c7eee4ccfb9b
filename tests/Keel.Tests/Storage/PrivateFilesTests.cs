using Keel.Tests.Infrastructure;

namespace Keel.Tests.Storage;

/// <summary>The embedded default's folder is 0700 and its database files and master key 0600, whatever the umask.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes are a Unix matter; Windows uses ACLs
public sealed class PrivateFilesTests : IDisposable
{
    readonly string _root = Path.Combine(Path.GetTempPath(), "keel-private-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task FirstStart_CreatesFolderOwnerOnly_AndFilesOwnerReadWrite()
    {
        var folder = Path.Combine(_root, ".keel");
        var database = Path.Combine(folder, "keel.db");
        await using (var node = new KeelNode(Provider.Sqlite, $"Data Source={database}", KeelFixture.AdminToken,
            new Dictionary<string, string?> { ["Keel:MasterKeyFile"] = Path.Combine(folder, "master.key") }))
        {
            using var admin = node.ClientWith(KeelFixture.AdminToken);
            (await admin.GetAsync("/health/ready")).EnsureSuccessStatusCode();
            await KeelFixture.NewTenantAsync(node, admin); // a write, so the WAL is in use

            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(folder));
            foreach (var file in new[] { "keel.db", "keel.db-wal", "keel.db-shm", "master.key" })
            {
                var path = Path.Combine(folder, file);
                Assert.True(File.Exists(path), path);
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }
        }
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_root, recursive: true);
    }
}
