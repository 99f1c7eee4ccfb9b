namespace Keel.Tests.Infrastructure;

/// <summary>
/// Sits in every test client of a <see cref="KeelNode"/>: each answer a test receives is checked against the
/// OpenAPI document Keel serves (<see cref="OpenApiContract"/>), and one that breaks it fails the request, so
/// the test that got it fails with what was wrong.
/// </summary>
public sealed class ContractCheck : DelegatingHandler
{
    /// <summary>
    /// The document of the first node that serves the API; every node of a test run serves the same one.
    /// A node of another role (a worker) serves none of the routes and is not asked.
    /// </summary>
    static OpenApiContract? _contract;
    static readonly SemaphoreSlim Loading = new(1, 1);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken);
        if (await ContractAsync(cancellationToken) is not { } contract || request.RequestUri is not { } uri)
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

    async Task<OpenApiContract?> ContractAsync(CancellationToken ct)
    {
        if (_contract is not null)
        {
            return _contract;
        }
        await Loading.WaitAsync(ct);
        try
        {
            if (_contract is null)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "http://localhost/openapi/v1.json");
                using var response = await base.SendAsync(request, ct);
                var contract = response.IsSuccessStatusCode ? new OpenApiContract(await response.Content.ReadAsStringAsync(ct)) : null;
                // A worker node's document lists only the error catalog; wait for a node that serves the API.
                _contract = contract is { OperationCount: > 1 } ? contract : null;
            }
            return _contract;
        }
        finally
        {
            Loading.Release();
        }
    }
}

public sealed class ContractViolationException(string message) : Xunit.Sdk.XunitException(message);
