using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Keel.Http;
using Keel.Tests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Keel.Tests.Http;

/// <summary>
/// Requests Kestrel refuses before Keel's pipeline runs, sent over a raw socket to <c>keel serve</c> as a real
/// process (the in-memory test server has no Kestrel): each answer is a catalogued problem, not an empty body.
/// </summary>
public sealed class KestrelAnswersTests(KestrelAnswersTests.KeelProcess keel) : IClassFixture<KestrelAnswersTests.KeelProcess>
{
    const string Host = "Host: keel\r\n";

    public static TheoryData<string, int, string> Refused => new()
    {
        { "GARBAGE\r\n\r\n", 400, "validation.malformed_request" },
        { "GET /health/live HTTP/1.1\r\n" + Host + "No colon here\r\n\r\n", 400, "validation.malformed_request" },
        { "GET /health/live HTTP/1.1\r\n\r\n", 400, "validation.malformed_request" }, // no Host
        { "GET /" + new string('a', 9000) + " HTTP/1.1\r\n" + Host + "\r\n", 414, "validation.uri_too_long" },
        { "GET /health/live HTTP/1.1\r\n" + Host + "X-Big: " + new string('a', 33 * 1024) + "\r\n\r\n", 431, "validation.headers_too_large" },
        { "GET /health/live HTTP/1.1\r\n" + Host + string.Concat(Enumerable.Range(0, 101).Select(i => $"X-H{i}: {i}\r\n")) + "\r\n", 431, "validation.headers_too_large" },
        { "GET /health/live HTTP/1.7\r\n" + Host + "\r\n", 505, "validation.http_version_not_supported" },
        { "GET * HTTP/1.1\r\n" + Host + "\r\n", 405, "resource.method_not_allowed" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task RefusedByKestrel_IsProblemJson(string request, int status, string code)
    {
        var answers = await SendAsync(request);

        var answer = Assert.Single(answers);
        AssertProblem(answer, status, code);
    }

    [Fact]
    public async Task HeadersTooSlow_IsRequestTimeoutProblem()
    {
        // The headers never end; the process runs with Kestrel:Limits:RequestHeadersTimeout = 1 s.
        var answers = await SendAsync("GET /health/live HTTP/1.1\r\n" + Host);

        AssertProblem(Assert.Single(answers), 408, "validation.request_timeout");
    }

    [Fact]
    public async Task KeepAlive_AnswerThenMalformed_FirstUntouchedThenProblem()
    {
        var answers = await SendAsync("GET /health/live HTTP/1.1\r\n" + Host + "\r\nGET /health/live HTTP/1.1\r\n" + Host + "\r\nGARBAGE\r\n\r\n");

        Assert.Equal(3, answers.Count);
        foreach (var ok in answers.Take(2))
        {
            Assert.Equal(200, ok.Status);
            Assert.Equal("healthy", JsonDocument.Parse(ok.Body).RootElement.Str("status"));
            Assert.Equal("nosniff", ok.Headers["x-content-type-options"]);
        }
        AssertProblem(answers[2], 400, "validation.malformed_request");
    }

    [Fact]
    public void AsProblem_OtherAnswers_AreLeftAlone()
    {
        var limits = new KestrelServerLimits();
        const string Head = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nDate: Mon, 01 Jan 2026 00:00:00 GMT\r\n";

        Assert.NotNull(KestrelAnswer.AsProblem(Encoding.ASCII.GetBytes(Head + "Connection: close\r\n\r\n"), limits, "c1"));
        Assert.Null(KestrelAnswer.AsProblem(Encoding.ASCII.GetBytes(Head + "\r\n"), limits, "c1")); // the connection stays: framing counts
        Assert.Null(KestrelAnswer.AsProblem(Encoding.ASCII.GetBytes(Head + "Connection: close\r\n\r\n{}"), limits, "c1")); // has a body
        Assert.Null(KestrelAnswer.AsProblem(Encoding.ASCII.GetBytes(Head.Replace("400 Bad Request", "200 OK", StringComparison.Ordinal) + "Connection: close\r\n\r\n"), limits, "c1"));
        Assert.Null(KestrelAnswer.AsProblem(Encoding.ASCII.GetBytes(Head.Replace("Content-Length: 0", "Content-Length: 2", StringComparison.Ordinal) + "Connection: close\r\n\r\n"), limits, "c1"));
    }

    static void AssertProblem(RawAnswer answer, int status, string code)
    {
        Assert.True(status == answer.Status, $"expected {status}, got {answer.Status}: {answer.Body}");
        Assert.Equal("application/problem+json", answer.Headers["content-type"]);
        Assert.Equal("nosniff", answer.Headers["x-content-type-options"]);
        Assert.Equal("close", answer.Headers["connection"]);
        var problem = JsonDocument.Parse(answer.Body).RootElement;
        Assert.Equal(code, problem.Str("code"));
        Assert.Equal("/problems/" + code, problem.Str("type"));
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.Equal(ErrorCodes.Find(code)!.Title, problem.Str("title"));
        Assert.False(string.IsNullOrEmpty(problem.Str("detail")));
        Assert.False(string.IsNullOrEmpty(problem.Str("trace_id")));
    }

    /// <summary>Writes <paramref name="request"/> as it is and reads answers until Keel closes the connection.</summary>
    async Task<List<RawAnswer>> SendAsync(string request)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(keel.Address.Host, keel.Address.Port, deadline.Token);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), deadline.Token);
        using var received = new MemoryStream();
        await stream.CopyToAsync(received, deadline.Token);
        return RawAnswer.ParseAll(received.ToArray());
    }

    public sealed record RawAnswer(int Status, Dictionary<string, string> Headers, string Body)
    {
        public static List<RawAnswer> ParseAll(byte[] bytes)
        {
            var answers = new List<RawAnswer>();
            var at = 0;
            while (at < bytes.Length)
            {
                var end = bytes.AsSpan(at).IndexOf("\r\n\r\n"u8);
                Assert.True(end >= 0, "an answer's head does not end: " + Encoding.ASCII.GetString(bytes, at, bytes.Length - at));
                var lines = Encoding.ASCII.GetString(bytes, at, end).Split("\r\n");
                var headers = lines.Skip(1).Select(l => l.Split(':', 2)).ToDictionary(p => p[0].ToLowerInvariant(), p => p[1].Trim());
                at += end + 4;
                var body = new MemoryStream();
                if (headers.GetValueOrDefault("transfer-encoding") == "chunked")
                {
                    while (true)
                    {
                        var lineEnd = bytes.AsSpan(at).IndexOf("\r\n"u8);
                        var size = Convert.ToInt32(Encoding.ASCII.GetString(bytes, at, lineEnd), 16);
                        at += lineEnd + 2;
                        body.Write(bytes, at, size);
                        at += size + 2;
                        if (size == 0)
                        {
                            break;
                        }
                    }
                }
                else
                {
                    var length = int.Parse(headers.GetValueOrDefault("content-length", "0"), System.Globalization.CultureInfo.InvariantCulture);
                    body.Write(bytes, at, length);
                    at += length;
                }
                answers.Add(new RawAnswer(int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), headers,
                    Encoding.UTF8.GetString(body.ToArray())));
            }
            return answers;
        }
    }

    /// <summary><c>keel serve</c> in a process of its own, on a SQLite file, shared by the tests of this class.</summary>
    public sealed class KeelProcess : IAsyncLifetime
    {
        WorkerProcess _process = null!;

        public Uri Address => _process.Address;

        public async Task InitializeAsync()
        {
            _process = await WorkerProcess.StartAsync(Provider.Sqlite, TestServers.NewSqliteDatabase(),
                new Dictionary<string, string?> { ["Kestrel:Limits:RequestHeadersTimeout"] = "00:00:01" });
        }

        public async Task DisposeAsync() => await _process.DisposeAsync();
    }
}
