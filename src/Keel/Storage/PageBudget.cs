using System.Buffers;
using System.Text.Json;
using Keel.Http;

namespace Keel.Storage;

/// <summary>
/// How many bytes of JSON one page of a list may hold. Rows are measured as the API writes them and the page ends before
/// the one that would pass <see cref="MaxBytes"/>, with a <c>next_cursor</c> to go on from: 200 keys of 64 KB of
/// <c>meta</c> each would otherwise make a 13 MB answer. A row larger than the budget still makes a page of its own, so a
/// walk always moves on.
/// </summary>
internal sealed class PageBudget
{
    public const int MaxBytes = 1024 * 1024;

    static readonly JsonSerializerOptions Json = ApiJson();

    readonly ByteCounter _counter = new();

    /// <summary>Counts <paramref name="row"/> in; true while the rows counted so far fit the budget.</summary>
    public bool Add<T>(T row)
    {
        using var writer = new Utf8JsonWriter(_counter);
        JsonSerializer.Serialize(writer, row, Json);
        writer.Flush();
        return _counter.Count <= MaxBytes;
    }

    static JsonSerializerOptions ApiJson()
    {
        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        ProblemDetailsSetup.ConfigureJson(json);
        return json;
    }

    /// <summary>Counts the bytes written to it and keeps none of them.</summary>
    sealed class ByteCounter : IBufferWriter<byte>
    {
        byte[] _scratch = new byte[4096];

        public long Count { get; private set; }

        public void Advance(int count) => Count += count;

        public Memory<byte> GetMemory(int sizeHint = 0)
        {
            if (sizeHint > _scratch.Length)
            {
                _scratch = new byte[sizeHint];
            }
            return _scratch;
        }

        public Span<byte> GetSpan(int sizeHint = 0) => GetMemory(sizeHint).Span;
    }
}
