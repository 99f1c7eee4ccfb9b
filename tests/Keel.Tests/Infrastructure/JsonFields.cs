using System.Text.Json;

namespace Keel.Tests.Infrastructure;

/// <summary>Reading the fields of Keel's JSON answers.</summary>
public static class JsonFields
{
    public static string Str(this JsonElement e, string name) => e.GetProperty(name).GetString()!;

    public static bool IsNull(this JsonElement e, string name) => e.GetProperty(name).ValueKind == JsonValueKind.Null;

    public static DateTimeOffset? Time(this JsonElement e, string name) =>
        e.GetProperty(name) is { ValueKind: not JsonValueKind.Null } value ? value.GetDateTimeOffset() : null;

    public static string[] Strings(this JsonElement e, string name) =>
        [.. e.GetProperty(name).EnumerateArray().Select(s => s.GetString()!)];

    /// <summary>The ids of one page of a list.</summary>
    public static string[] Ids(this JsonElement page) =>
        [.. page.GetProperty("data").EnumerateArray().Select(k => k.Str("id"))];
}
