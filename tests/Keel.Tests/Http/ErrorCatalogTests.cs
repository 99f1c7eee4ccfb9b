using System.Net;
using Keel.Http;
using Keel.Tests.Infrastructure;

namespace Keel.Tests.Http;

/// <summary><c>GET /v1/errors</c> and the <c>/problems/{code}</c> pages every problem's <c>type</c> points at.</summary>
public abstract class ErrorCatalogTests(KeelFixture fixture)
{
    public static IEnumerable<object[]> Codes() => ErrorCodes.All.Select(e => new object[] { e.Code });

    [Fact]
    public async Task Errors_Anonymous_ListsTheWholeCatalogInOrder()
    {
        using var anonymous = fixture.Node.ClientWith(null);

        var catalog = await (await anonymous.GetAsync("/v1/errors")).Json(HttpStatusCode.OK);

        var listed = catalog.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(ErrorCodes.All.Select(e => e.Code), listed.Select(e => e.Str("code")));
        foreach (var (entry, error) in listed.Zip(ErrorCodes.All))
        {
            Assert.Equal(error.Status, entry.GetProperty("status").GetInt32());
            Assert.Equal(error.Title, entry.Str("title"));
            Assert.Equal(error.Description, entry.Str("description"));
            Assert.Equal("/problems/" + error.Code, entry.Str("type"));
        }
    }

    [Theory]
    [MemberData(nameof(Codes))]
    public async Task ProblemPage_EveryCode_IsHtmlNamingIt(string code)
    {
        using var anonymous = fixture.Node.ClientWith(null);
        var error = ErrorCodes.Find(code)!;

        var response = await anonymous.GetAsync(error.Type);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("<!doctype html>", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains($"<code>{code}</code>", html, StringComparison.Ordinal);
        Assert.Contains($"HTTP {error.Status}", html, StringComparison.Ordinal);
        Assert.Contains(WebUtility.HtmlEncode(error.Description), html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("auth.nope")]
    [InlineData("nothing")]
    [InlineData("%3Cscript%3E")]
    public async Task ProblemPage_UnknownCode_IsNotFoundProblem(string code)
    {
        using var anonymous = fixture.Node.ClientWith(null);

        await (await anonymous.GetAsync("/problems/" + code)).Problem(HttpStatusCode.NotFound, "resource.not_found");
    }

    [Fact]
    public async Task ProblemType_OfARealProblem_ResolvesToItsPage()
    {
        using var anonymous = fixture.Node.ClientWith(null);
        var problem = await (await anonymous.GetAsync("/v1/keys")).Problem(HttpStatusCode.Unauthorized, "auth.missing_credentials");

        var page = await anonymous.GetAsync(problem.Str("type"));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("auth.missing_credentials", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}

public sealed class ErrorCatalogTests_Sqlite(SqliteFixture f) : ErrorCatalogTests(f), IClassFixture<SqliteFixture>;

public sealed class ErrorCatalogTests_Postgres(PostgresFixture f) : ErrorCatalogTests(f), IClassFixture<PostgresFixture>;
