using System.Buffers.Text;
using System.Text;
using Keel.Http;
using Keel.Storage;

namespace Keel.Tests.Unit;

public sealed class PageRequestTests
{
    [Fact]
    public void From_NoParameters_DefaultLimitNoCursor()
    {
        var page = PageRequest.From(null, null);

        Assert.Equal(50, page.Limit);
        Assert.Equal(PageRequest.DefaultLimit, page.Limit);
        Assert.Null(page.After);
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("37", 37)]
    [InlineData("200", 200)]
    public void From_LimitInRange_Accepted(string limit, int expected)
    {
        Assert.Equal(expected, PageRequest.From(limit, null).Limit);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("201")]
    [InlineData("1.5")]
    [InlineData("ten")]
    [InlineData("")]
    [InlineData("99999999999")]
    public void From_LimitOutOfRangeOrNotAnInteger_InvalidQueryNamingLimit(string limit)
    {
        var problem = Assert.Throws<ProblemException>(() => PageRequest.From(limit, null));

        Assert.Equal("validation.invalid_query", problem.Error.Code);
        Assert.Equal(400, problem.Error.Status);
        Assert.Equal(["limit"], problem.Errors!.Keys);
    }

    [Theory]
    [InlineData("key_01jd2v3m4n5p6q7r8s9t0vwxyz")]
    [InlineData("ten_00000000000000000000000000")]
    public void From_EncodedCursor_RoundTripsTheId(string id)
    {
        var cursor = PageRequest.Encode(id);

        Assert.DoesNotContain(id, cursor, StringComparison.Ordinal); // opaque
        Assert.Equal(id, PageRequest.From("10", cursor).After);
    }

    [Theory]
    [InlineData("")]
    [InlineData("!!!")]
    [InlineData("not a cursor")]
    [InlineData("a")]
    public void From_GarbageCursor_InvalidQueryNamingCursor(string cursor)
    {
        var problem = Assert.Throws<ProblemException>(() => PageRequest.From(null, cursor));

        Assert.Equal(ErrorCodes.InvalidQuery, problem.Error);
        Assert.Equal(["cursor"], problem.Errors!.Keys);
    }

    [Theory]
    [InlineData("v2:key_01jd2v3m4n5p6q7r8s9t0vwxyz")] // another version
    [InlineData("key_01jd2v3m4n5p6q7r8s9t0vwxyz")] // no version
    [InlineData("v1:")] // no id
    [InlineData("v1:k")]
    public void From_WellEncodedButForeignCursor_InvalidQuery(string text)
    {
        var cursor = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));

        var problem = Assert.Throws<ProblemException>(() => PageRequest.From(null, cursor));

        Assert.Equal(ErrorCodes.InvalidQuery, problem.Error);
    }

    [Fact]
    public void From_CursorLongerThan200_InvalidQuery()
    {
        var cursor = PageRequest.Encode(new string('a', 200));

        Assert.Throws<ProblemException>(() => PageRequest.From(null, cursor));
    }

    [Fact]
    public void From_BadLimitAndBadCursor_BothNamed()
    {
        var problem = Assert.Throws<ProblemException>(() => PageRequest.From("0", "%%%"));

        Assert.Equal(["cursor", "limit"], problem.Errors!.Keys.Order(StringComparer.Ordinal));
    }
}
