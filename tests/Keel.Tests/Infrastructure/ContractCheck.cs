namespace Keel.Tests.Infrastructure;

/// <summary>
/// Sits in every test client of a <see cref="KeelNode"/>: each answer a test receives is checked against the
/// OpenAPI document Keel serves (<see cref="OpenApiContract"/>), and one that breaks it fails the request, so
/// the test that got it fails with what was wrong.
/// </summary>
public sealed class ContractCheck : DelegatingHandler
{
    /// <summary>The document of the first node asked; every node that serves the API serves the same one.</summary>
    static OpenApiContract? _contract;
    static readonly SemaphoreSlim Loading = new(1, 1);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (request.RequestUri is not { } uri || await ContractAsync(uri, cancellationToken) is not { } contract)
        {
            return response;
        }
        await response.Content.LoadIntoBufferAsync(cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var violations = contract.Check(request.Method, uri.AbsolutePath, (int)response.StatusCode, response.Headers, response.Content.Headers, body);
        if (violations.Count > 0)
        {
            response.Dispose();
            throw new ContractViolationException("The answer breaks Keel's OpenAPI document:\n" + string.Join("\n", violations));
        }
        return response;
    }

    async Task<OpenApiContract?> ContractAsync(Uri server, CancellationToken ct)
    {
        if (Volatile.Read(ref _contract) is { } loaded)
        {
            return loaded;
        }
        await Loading.WaitAsync(ct);
        try
        {
            // Another caller may have loaded it while this one waited.
            return Volatile.Read(ref _contract) ?? (_contract = await LoadAsync(server, ct));
        }
        finally
        {
            Loading.Release();
        }
    }

    async Task<OpenApiContract> LoadAsync(Uri server, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server, "/openapi/v1.json"));
        using var response = await base.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        return new OpenApiContract(await response.Content.ReadAsStringAsync(ct));
    }
}

public sealed class ContractViolationException(string message) : Xunit.Sdk.XunitException(message);
