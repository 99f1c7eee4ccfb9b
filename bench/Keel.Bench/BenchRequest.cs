using System.Net.Http.Headers;
using System.Text;

namespace Keel.Bench;

/// <summary>
/// One kind of request a load run sends, and what its answer must be. A wrong answer counts as an
/// error: a benchmark that silently measures errors measures nothing.
/// </summary>
public sealed class BenchRequest
{
    static readonly MediaTypeHeaderValue Json = new("application/json");
    readonly HttpMethod _method;
    readonly Uri _path;
    readonly string? _authorization;
    readonly byte[]? _body;
    readonly byte[][] _mustContain;
    readonly Func<byte[], string?>? _check;

    readonly int _status;

    BenchRequest(string name, HttpMethod method, string path, string? bearer, byte[]? body, string[] mustContain, Func<byte[], string?>? check = null,
        int status = 200)
    {
        _status = status;
        Name = name;
        _method = method;
        _path = new Uri(path, UriKind.Relative);
        _authorization = bearer is null ? null : "Bearer " + bearer;
        _body = body;
        _mustContain = [.. mustContain.Select(Encoding.UTF8.GetBytes)];
        _check = check;
    }

    public string Name { get; }

    /// <summary>A GET whose 200 answer must contain every one of <paramref name="mustContain"/>.</summary>
    public static BenchRequest Get(string name, string path, params string[] mustContain) =>
        new(name, HttpMethod.Get, path, null, null, mustContain);

    /// <summary>
    /// A GET with a bearer secret whose 200 answer must contain every one of <paramref name="mustContain"/> and pass
    /// <paramref name="check"/> (null when right, else what is wrong). The check runs inside the measured time: keep it cheap.
    /// </summary>
    public static BenchRequest GetAuthorized(string name, string path, string bearer, Func<byte[], string?> check, params string[] mustContain) =>
        new(name, HttpMethod.Get, path, bearer, null, mustContain, check);

    /// <summary>A POST of a JSON body with a bearer secret, whose 200 answer must contain every one of <paramref name="mustContain"/>.</summary>
    public static BenchRequest PostJson(string name, string path, string bearer, string json, params string[] mustContain) =>
        new(name, HttpMethod.Post, path, bearer, Encoding.UTF8.GetBytes(json), mustContain);

    /// <summary>A POST of a JSON body with a bearer secret, whose answer must be 202 Accepted (a publish) and contain every one of <paramref name="mustContain"/>.</summary>
    public static BenchRequest PostJsonAccepted(string name, string path, string bearer, string json, params string[] mustContain) =>
        new(name, HttpMethod.Post, path, bearer, Encoding.UTF8.GetBytes(json), mustContain, status: 202);

    /// <summary>Sends the request and reads the whole answer; returns null when it is right, else what was wrong.</summary>
    public async Task<string?> SendAsync(HttpClient client, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(_method, _path);
        if (_authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", _authorization);
        }
        if (_body is not null)
        {
            request.Content = new ByteArrayContent(_body);
            request.Content.Headers.ContentType = Json;
        }
        try
        {
            using var response = await client.SendAsync(request, ct);
            var body = await response.Content.ReadAsByteArrayAsync(ct);
            if ((int)response.StatusCode != _status)
            {
                return $"HTTP {(int)response.StatusCode}: {Snippet(body)}";
            }
            foreach (var expected in _mustContain)
            {
                if (body.AsSpan().IndexOf(expected) < 0)
                {
                    return $"answer lacks {Encoding.UTF8.GetString(expected)}: {Snippet(body)}";
                }
            }
            return _check?.Invoke(body);
        }
        catch (HttpRequestException e)
        {
            return e.Message;
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return "timed out";
        }
    }

    static string Snippet(byte[] body) => Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 200));
}
