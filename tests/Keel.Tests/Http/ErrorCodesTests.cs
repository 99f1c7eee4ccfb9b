using System.Reflection;
using Keel.Http;
using Keel.Tests.Infrastructure;

namespace Keel.Tests.Http;

/// <summary>The catalog itself and the docs/errors.md generated from it.</summary>
public sealed class ErrorCodesTests
{
    static readonly string[] Namespaces = ["auth", "validation", "resource", "ratelimit", "quota", "webhooks", "audit", "server"];

    [Fact]
    public void All_EveryDeclaredCode_IsListedOnce()
    {
        var declared = typeof(ErrorCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.FieldType == typeof(ErrorCode)).Select(f => (ErrorCode)f.GetValue(null)!).ToList();

        Assert.Equal(declared.Select(e => e.Code).Order(StringComparer.Ordinal), ErrorCodes.All.Select(e => e.Code).Order(StringComparer.Ordinal));
        Assert.Equal(ErrorCodes.All.Count, ErrorCodes.All.Select(e => e.Code).Distinct().Count());
    }

    [Fact]
    public void All_EveryCode_IsNamespacedAndDescribed()
    {
        Assert.All(ErrorCodes.All, e =>
        {
            var parts = e.Code.Split('.');
            Assert.Equal(2, parts.Length);
            Assert.Contains(parts[0], Namespaces);
            Assert.Matches("^[a-z][a-z_]*[a-z]$", parts[1]);
            Assert.InRange(e.Status, 400, 599);
            Assert.False(string.IsNullOrWhiteSpace(e.Title));
            Assert.EndsWith(".", e.Description, StringComparison.Ordinal);
            Assert.Same(e, ErrorCodes.Find(e.Code));
        });
    }

    [Fact]
    public void ErrorsDoc_InRepository_MatchesTheCatalog()
    {
        var path = Path.Combine(RepositoryFiles.Root(), "docs", "errors.md");
        var stale = "docs/errors.md is stale or missing: run `dotnet run --project src/Keel -- errors-doc > docs/errors.md` from the repository root.";

        Assert.True(File.Exists(path), stale);
        var text = File.ReadAllText(path).ReplaceLineEndings("\n");
        Assert.True(text == ErrorsApi.Markdown(), stale);
    }

    [Fact]
    public void ErrorsDoc_Markdown_HasOneRowPerCode()
    {
        var markdown = ErrorsApi.Markdown();

        Assert.Equal(ErrorCodes.All.Count, markdown.Split('\n').Count(l => l.StartsWith("| `", StringComparison.Ordinal)));
        Assert.All(ErrorCodes.All, e => Assert.Contains($"| `{e.Code}` | {e.Status} | {e.Title} |", markdown, StringComparison.Ordinal));
    }
}
