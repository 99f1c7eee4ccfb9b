using System.Buffers.Text;
using System.Text;
using Keel.Http;
using Microsoft.EntityFrameworkCore;

namespace Keel.Storage;

/// <summary>An entity with a prefixed, time-ordered id, which is what keyset pagination walks.</summary>
public interface IHasId
{
    string Id { get; }
}

/// <summary>A page of a list: <c>{"data": [...], "next_cursor": "..." | null}</c>.</summary>
public sealed record Page<T>(IReadOnlyList<T> Data, string? NextCursor);

/// <summary>
/// <c>?limit=&amp;cursor=</c> of a list request. Lists are newest first, ordered by id; the cursor is
/// the opaque form of the last id of the previous page, so the cost of a page does not grow with its
/// depth (an index seek on the primary key, never an OFFSET).
/// </summary>
public readonly record struct PageRequest(int Limit, string? After)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    /// <summary>Parses the query parameters or throws a <c>validation.invalid_query</c> problem.</summary>
    public static PageRequest From(string? limit, string? cursor)
    {
        Dictionary<string, string[]> errors = [];
        var size = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, out size) || size is < 1 or > MaxLimit))
        {
            errors["limit"] = [$"limit must be an integer from 1 to {MaxLimit}."];
        }
        string? after = null;
        if (cursor is not null && !TryDecode(cursor, out after))
        {
            errors["cursor"] = ["cursor is not a cursor returned by this list."];
        }
        return errors.Count == 0
            ? new PageRequest(size, after)
            : throw ProblemException.InvalidQuery(errors);
    }

    public static string Encode(string id) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes("v1:" + id));

    static bool TryDecode(string cursor, out string? id)
    {
        id = null;
        if (cursor.Length is 0 or > 200)
        {
            return false;
        }
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
            if (!text.StartsWith("v1:", StringComparison.Ordinal) || text.Length < 5)
            {
                return false;
            }
            id = text[3..];
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

public static class PagingExtensions
{
    /// <summary>Reads one page, newest first, and maps it to its view.</summary>
    public static Task<Page<TView>> ToPageAsync<T, TView>(
        this IQueryable<T> query, PageRequest page, Func<T, TView> view, CancellationToken ct)
        where T : class, IHasId
    {
        if (page.After is { } after)
        {
            query = query.Where(x => string.Compare(x.Id, after) < 0);
        }
        return query.OrderByDescending(x => x.Id).ToBoundedPageAsync(page, x => x.Id, view, ct);
    }

    /// <summary>
    /// Reads one page of <paramref name="ordered"/> (already ordered and started after the cursor): up to
    /// <c>page.Limit</c> rows and at most <see cref="PageBudget.MaxBytes"/> of JSON. The rows are streamed, so the
    /// reading stops where the page does; <c>next_cursor</c> is the <paramref name="position"/> of its last row.
    /// </summary>
    public static async Task<Page<TView>> ToBoundedPageAsync<T, TView>(
        this IQueryable<T> ordered, PageRequest page, Func<T, string> position, Func<T, TView> view, CancellationToken ct)
    {
        var budget = new PageBudget();
        List<TView> data = [];
        string? last = null;
        var more = false;
        await foreach (var row in ordered.Take(page.Limit + 1).AsAsyncEnumerable().WithCancellation(ct))
        {
            if (data.Count == page.Limit)
            {
                more = true;
                break;
            }
            var item = view(row);
            if (!budget.Add(item) && data.Count > 0)
            {
                more = true;
                break;
            }
            data.Add(item);
            last = position(row);
        }
        return new Page<TView>(data, more ? PageRequest.Encode(last!) : null);
    }
}
