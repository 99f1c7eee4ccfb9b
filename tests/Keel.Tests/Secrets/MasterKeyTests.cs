using System.Security.Cryptography;
using Keel.Secrets;

namespace Keel.Tests.Secrets;

public sealed class MasterKeyTests : IDisposable
{
    readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("keel-masterkey-");

    string KeyFile => Path.Combine(_directory.FullName, "keys", "webhooks.key");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public void Load_Configured32Bytes_ReturnsThemAndLeavesNoFile()
    {
        var key = RandomNumberGenerator.GetBytes(32);

        Assert.Equal(key, MasterKey.Load(Convert.ToBase64String(key), KeyFile));
        Assert.False(File.Exists(KeyFile));
    }

    [Theory]
    [InlineData(16)]
    [InlineData(31)]
    [InlineData(33)]
    [InlineData(64)]
    public void Load_ConfiguredWrongLength_ThrowsNamingTheSetting(int length)
    {
        var configured = Convert.ToBase64String(RandomNumberGenerator.GetBytes(length));

        var error = Assert.Throws<InvalidOperationException>(() => MasterKey.Load(configured, KeyFile));

        Assert.Contains("Keel:MasterKey", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(KeyFile));
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("   ")]
    public void Load_ConfiguredNotBase64_ThrowsNamingTheSetting(string configured)
    {
        var error = Assert.Throws<InvalidOperationException>(() => MasterKey.Load(configured, KeyFile));

        Assert.Contains("Keel:MasterKey", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_NoFile_CreatesOwnerOnlyFileAndReturnsSameKeyNextTime()
    {
        var first = MasterKey.Load(null, KeyFile);

        Assert.Equal(32, first.Length);
        Assert.Equal(Convert.ToBase64String(first), File.ReadAllText(KeyFile));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyFile));
        }
        Assert.Equal(first, MasterKey.Load("", KeyFile));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(KeyFile)!));
    }

    [Fact]
    public void Load_TwoFreshFiles_DifferentKeys()
    {
        Assert.NotEqual(MasterKey.Load(null, KeyFile), MasterKey.Load(null, KeyFile + "2"));
    }

    [Fact]
    public void Load_ExistingFileWithSurroundingWhitespace_ReturnsItsKey()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        Directory.CreateDirectory(Path.GetDirectoryName(KeyFile)!);
        File.WriteAllText(KeyFile, "  " + Convert.ToBase64String(key) + "\n");

        Assert.Equal(key, MasterKey.Load(null, KeyFile));
    }

    [Fact]
    public async Task Load_ConcurrentFirstLoads_AllGetTheKeyInTheFile()
    {
        // The window between creating the file and writing it is short, so race many times to hit it.
        for (var round = 0; round < 20; round++)
        {
            var file = Path.Combine(_directory.FullName, $"round{round}", "webhooks.key");
            using var start = new Barrier(8);
            var loads = Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(
                () =>
                {
                    start.SignalAndWait();
                    return MasterKey.Load(null, file);
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default));

            var keys = await Task.WhenAll(loads);

            var stored = Convert.FromBase64String(await File.ReadAllTextAsync(file));
            Assert.All(keys, key => Assert.Equal(stored, key));
            Assert.Single(Directory.GetFiles(Path.GetDirectoryName(file)!));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage!")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAA==")]
    public void Load_CorruptFile_ThrowsNamingTheFile(string content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(KeyFile)!);
        File.WriteAllText(KeyFile, content);

        var error = Assert.Throws<InvalidOperationException>(() => MasterKey.Load(null, KeyFile));

        Assert.Contains(KeyFile, error.Message, StringComparison.Ordinal);
    }
}
