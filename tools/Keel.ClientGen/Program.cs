using System.CommandLine;
using Keel.ClientGen;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

// keel-clientgen go <openapi.json> <outdir>: writes models_gen.go and operations_gen.go into outdir.
// One subcommand per target language, so another client can be added beside Go.
var document = new Argument<FileInfo>("openapi") { Description = "The OpenAPI document (docs/openapi.json)" }.AcceptExistingOnly();
var output = new Argument<DirectoryInfo>("outdir") { Description = "The Go package folder (clients/go/keel)" };
var go = new Command("go", "Generate the Go client's models and operations") { document, output };
go.SetAction(async (parse, ct) =>
{
    var source = parse.GetValue(document)!;
    await using var stream = source.OpenRead();
    var (openApi, diagnostic) = await OpenApiDocument.LoadAsync(stream, OpenApiConstants.Json, new OpenApiReaderSettings(), ct);
    if (openApi is null || diagnostic?.Errors.Count > 0)
    {
        foreach (var error in diagnostic?.Errors ?? [])
        {
            await Console.Error.WriteLineAsync($"{source.Name}: {error}");
        }
        return 1;
    }

    string models, operations;
    try
    {
        var types = new GoTypes(openApi, GoOperations.ParameterEnums(openApi));
        models = types.WriteModels(source.Name);
        operations = new GoOperations(openApi, types).Write(source.Name);
    }
    catch (Exception e) when (e is NotSupportedException or InvalidOperationException)
    {
        // A shape of the document the mapping does not cover: say which, rather than write a guess.
        await Console.Error.WriteLineAsync($"{source.Name}: {e.Message}");
        return 1;
    }
    var folder = parse.GetValue(output)!;
    folder.Create();
    await File.WriteAllTextAsync(Path.Combine(folder.FullName, "models_gen.go"), models, ct);
    await File.WriteAllTextAsync(Path.Combine(folder.FullName, "operations_gen.go"), operations, ct);
    return 0;
});

return await new RootCommand("Generates Keel's clients from its OpenAPI document") { go }.Parse(args).InvokeAsync();
