namespace Keel.Http;

/// <summary>One entry of the error catalog: a stable, namespaced code and what it means.</summary>
public sealed record ErrorCode(string Code, int Status, string Title, string Description)
{
    public string Type => "/problems/" + Code;
}
