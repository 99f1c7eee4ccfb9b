using Keel.Storage;
using Npgsql;

namespace Keel.Tests.Unit;

public sealed class AutoPrepareTests
{
    [Fact]
    public void ConnectionStringWithoutIt_GetsAutoPrepare()
    {
        var given = new NpgsqlConnectionStringBuilder(StorageSetup.WithAutoPrepare("Host=127.0.0.1;Port=5433;Username=keel;Password=p w;Database=keel"));
        Assert.Equal(64, given.MaxAutoPrepare);
        Assert.Equal("p w", given.Password);
        Assert.Equal(5433, given.Port);
    }

    [Theory]
    [InlineData("Host=h;Max Auto Prepare=0")] // a pooler that cannot keep prepared statements
    [InlineData("Host=h;MaxAutoPrepare=8")]
    [InlineData("host=h;max auto prepare=0")]
    public void ConnectionStringThatSetsIt_KeepsItsValue(string connectionString) =>
        Assert.Equal(connectionString, StorageSetup.WithAutoPrepare(connectionString));
}
