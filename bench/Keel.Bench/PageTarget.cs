using System.Diagnostics;
using System.Text;
using Keel.Storage;

namespace Keel.Bench;

/// <summary>A page to request: its number, the cursor that reaches it (none for page 1) and the id its answer must start with.</summary>
public sealed record PageTarget(int Number, string? Cursor, string FirstId)
{
    const string ItemMarker = "\"id\":\"key_";
    static readonly byte[] ItemBytes = Encoding.UTF8.GetBytes(ItemMarker);
    static readonly byte[] NextCursorBytes = Encoding.UTF8.GetBytes("\"next_cursor\":\"");

    public string Name => $"page {Number}";

    /// <summary>
    /// The <see cref="PaginationSettings.Pages"/> of the tenant's list, newest first: the cursor of page N is
    /// the id at position (N-1) x limit - 1, found with OFFSET once here (setup, not measured).
    /// </summary>
    public static async Task<(PageTarget[] Pages, long Total)> FindAsync(BenchStorage storage, string tenantId, PaginationSettings s, CancellationToken ct)
    {
        await using var connection = await storage.OpenAsync(ct);
        var clock = Stopwatch.StartNew();
        var total = long.Parse((await BenchStorage.ColumnAsync(connection, "SELECT COUNT(*) FROM api_keys WHERE tenant_id = @tenant", ct, ("@tenant", tenantId)))[0],
            System.Globalization.CultureInfo.InvariantCulture);
        if (total < ((long)s.Page * s.Limit) + 1)
        {
            throw new InvalidOperationException($"the tenant has {total} keys; page {s.Page} of {s.Limit} with a next page needs {((long)s.Page * s.Limit) + 1}.");
        }
        var pages = new List<PageTarget>();
        foreach (var number in s.Pages)
        {
            var skip = Math.Max(0L, ((long)(number - 1) * s.Limit) - 1);
            var ids = await BenchStorage.ColumnAsync(connection, "SELECT id FROM api_keys WHERE tenant_id = @tenant ORDER BY id DESC LIMIT @take OFFSET @skip",
                ct, ("@tenant", tenantId), ("@take", number == 1 ? 1L : 2L), ("@skip", skip));
            pages.Add(number == 1 ? new PageTarget(1, null, ids[0]) : new PageTarget(number, PageRequest.Encode(ids[0]), ids[1]));
        }
        await Console.Error.WriteLineAsync($"  {total:N0} keys in the list; cursors found in {clock.Elapsed.TotalSeconds:F1} s");
        return ([.. pages], total);
    }

    /// <summary>The request, and what its answer must hold: the first id, <paramref name="limit"/> items, a next cursor.</summary>
    public BenchRequest Request(string managementKey, int limit)
    {
        var path = $"/v1/keys?limit={limit}" + (Cursor is null ? "" : $"&cursor={Cursor}");
        return BenchRequest.GetAuthorized(Name, path, managementKey, body => Check(body, limit), $"{ItemMarker}{FirstId[4..]}\"");
    }

    static string? Check(byte[] body, int limit)
    {
        var items = 0;
        for (var rest = body.AsSpan(); rest.IndexOf(ItemBytes) is var at and >= 0; rest = rest[(at + ItemBytes.Length)..])
        {
            items++;
        }
        if (items != limit)
        {
            return $"{items} items, not {limit}";
        }
        return body.AsSpan().IndexOf(NextCursorBytes) < 0 ? "no next_cursor" : null;
    }
}
