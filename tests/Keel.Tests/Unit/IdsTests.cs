using Keel.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Keel.Tests.Unit;

public sealed class IdsTests
{
    const string Crockford = "0123456789abcdefghjkmnpqrstvwxyz";

    [Theory]
    [InlineData("key")]
    [InlineData("ten")]
    [InlineData("plan")]
    public void New_AnyPrefix_IsPrefixUnderscoreAnd26LowercaseCrockfordChars(string prefix)
    {
        var id = Ids.New(prefix);

        Assert.Equal(prefix.Length + 1 + 26, id.Length);
        Assert.StartsWith(prefix + "_", id, StringComparison.Ordinal);
        Assert.All(id[(prefix.Length + 1)..], c => Assert.Contains(c, Crockford));
        // 128 bits in 26 digits of 5 bits: the first digit carries only 3 of them.
        Assert.InRange(id[prefix.Length + 1], '0', '7');
    }

    [Fact]
    public void New_TightLoop_StrictlyIncreasing()
    {
        var previous = Ids.New("key");
        for (var i = 0; i < 100_000; i++)
        {
            var id = Ids.New("key");
            Assert.True(string.CompareOrdinal(previous, id) < 0, $"call {i}: {id} does not sort after {previous}");
            previous = id;
        }
    }

    [Fact]
    public void New_ClockStepsBack_StillIncreases()
    {
        var before = Ids.New("key");
        var past = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(-1));

        var after = Ids.New("key", past);

        Assert.True(string.CompareOrdinal(before, after) < 0, $"{after} does not sort after {before}");
    }

    [Fact]
    public void New_Always_StartsWithTheCurrentUnixMilliseconds()
    {
        var from = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var id = Ids.New("key");
        var to = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        // The first 10 digits are 50 bits: two zero bits, then the 48-bit timestamp.
        var ms = id[4..14].Aggregate(0L, (value, c) => (value << 5) | (long)Crockford.IndexOf(c, StringComparison.Ordinal));
        Assert.InRange(ms, from, to);
    }

    [Fact]
    public void IsValid_NewId_True()
    {
        Assert.True(Ids.IsValid(Ids.New("key"), "key"));
        Assert.True(Ids.IsValid(Ids.New("plan"), "plan"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("key_")]
    [InlineData("ten_01jd2v3m4n5p6q7r8s9t0vwxyz")] // another prefix
    [InlineData("keys01jd2v3m4n5p6q7r8s9t0vwxyz")] // no underscore
    [InlineData("key_01jd2v3m4n5p6q7r8s9t0vwxy")] // 25 characters
    [InlineData("key_01jd2v3m4n5p6q7r8s9t0vwxyzz")] // 27 characters
    [InlineData("key_01JD2V3M4N5P6Q7R8S9T0VWXYZ")] // uppercase
    [InlineData("key_01jd2v3m4n5p6q7r8s9t0vwxyi")] // i is not Crockford
    [InlineData("key_01jd2v3m4n5p6q7r8s9t0vwxyl")] // l is not Crockford
    [InlineData("key_01jd2v3m4n5p6q7r8s9t0vwxyo")] // o is not Crockford
    [InlineData("key_01jd2v3m4n5p6q7r8s9t0vwxyu")] // u is not Crockford
    [InlineData("key_01jd2v3m4n5p6q7r8s9t0vwx-z")]
    public void IsValid_Malformed_False(string? id)
    {
        Assert.False(Ids.IsValid(id, "key"));
    }

    [Fact]
    public void IsValid_WellFormedBodyOfKnownShape_True()
    {
        Assert.True(Ids.IsValid("key_01jd2v3m4n5p6q7r8s9t0vwxyz", "key"));
    }
}
