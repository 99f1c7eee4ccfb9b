using System.Text.Json;

namespace Keel.Http;

/// <summary>
/// How deeply JSON a client stores (<c>meta</c>, <c>payload</c>, <c>schema</c>) may nest. Answers
/// wrap stored values a few levels deeper (list, item, field), and the writer stops at 64: values
/// accepted at 64 would make every later list that shows them fail.
/// </summary>
public static class JsonDepth
{
    public const int MaxStored = 32;

    /// <summary>Whether <paramref name="value"/> nests at most <paramref name="max"/> objects or arrays deep (a scalar is 0).</summary>
    public static bool IsWithin(JsonElement value, int max = MaxStored)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                if (max == 0)
                {
                    return false;
                }
                foreach (var property in value.EnumerateObject())
                {
                    if (!IsWithin(property.Value, max - 1))
                    {
                        return false;
                    }
                }
                return true;
            case JsonValueKind.Array:
                if (max == 0)
                {
                    return false;
                }
                foreach (var item in value.EnumerateArray())
                {
                    if (!IsWithin(item, max - 1))
                    {
                        return false;
                    }
                }
                return true;
            default:
                return true;
        }
    }
}
