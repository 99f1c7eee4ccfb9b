using Keel.Keys;

namespace Keel.Tests.Unit;

public sealed class CachedKeyTests
{
    static readonly DateTime Now = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);

    static CachedKey Key(DateTime? expiresAt = null, DateTime? revokedAt = null) => new()
    {
        Id = "key_01jd2v3m4n5p6q7r8s9t0vwxyz",
        TenantId = "ten_01jd2v3m4n5p6q7r8s9t0vwxyz",
        Kind = ApiKey.Client,
        Hash = new string('a', 64),
        Scopes = [],
        ExpiresAt = expiresAt,
        RevokedAt = revokedAt,
    };

    [Fact]
    public void StateAt_NoExpiryNotRevoked_Active()
    {
        Assert.Equal(KeyState.Active, Key().StateAt(Now));
    }

    [Fact]
    public void StateAt_ExpiryInTheFuture_Active()
    {
        Assert.Equal(KeyState.Active, Key(expiresAt: Now.AddTicks(1)).StateAt(Now));
    }

    [Fact]
    public void StateAt_ExpiryExactlyNow_Expired()
    {
        Assert.Equal(KeyState.Expired, Key(expiresAt: Now).StateAt(Now));
    }

    [Fact]
    public void StateAt_ExpiryPassed_Expired()
    {
        Assert.Equal(KeyState.Expired, Key(expiresAt: Now.AddSeconds(-1)).StateAt(Now));
    }

    [Fact]
    public void StateAt_Revoked_RevokedEvenIfAlsoExpiredOrRevokedLater()
    {
        Assert.Equal(KeyState.Revoked, Key(revokedAt: Now.AddMinutes(-1)).StateAt(Now));
        Assert.Equal(KeyState.Revoked, Key(expiresAt: Now.AddDays(-1), revokedAt: Now.AddMinutes(-1)).StateAt(Now));
        Assert.Equal(KeyState.Revoked, Key(revokedAt: Now.AddMinutes(1)).StateAt(Now));
    }

    [Fact]
    public void From_Row_CopiesWhatVerificationNeeds()
    {
        var row = new ApiKey
        {
            Id = "key_01jd2v3m4n5p6q7r8s9t0vwxyz",
            TenantId = "ten_01jd2v3m4n5p6q7r8s9t0vwxyz",
            Kind = ApiKey.Management,
            Name = "Owner key",
            Prefix = "keel_sk",
            Start = "keel_sk_abcd",
            Hash = new string('b', 64),
            Role = "admin",
            OwnerId = "cus_1",
            Scopes = ["a", "b"],
            Meta = """{"plan":"gold"}""",
            ExpiresAt = Now,
        };

        var cached = CachedKey.From(row);
        row.Scopes.Add("c"); // the cache holds its own copy

        Assert.Equal((row.Id, row.TenantId, row.Kind, row.Hash, row.Role, row.OwnerId), (cached.Id, cached.TenantId, cached.Kind, cached.Hash, cached.Role, cached.OwnerId));
        Assert.Equal(["a", "b"], cached.Scopes);
        Assert.Equal("gold", cached.Meta!.Value.GetProperty("plan").GetString());
        Assert.Equal(Now, cached.ExpiresAt);
        Assert.Null(cached.RevokedAt);
    }
}
