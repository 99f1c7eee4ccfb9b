using System.Text;

namespace Keel.Tests.Fuzz;

/// <summary>
/// Raw JSON text a fuzzed field takes instead of its valid value: every JSON type, numbers at and past
/// the edges of what .NET holds, strings with the Unicode that breaks naive code, huge strings and
/// nesting deep enough to pass, reach and pass System.Text.Json's default depth of 64.
/// </summary>
public static class HostileValues
{
    public static readonly string[] WrongTypes = ["0", "1", "-1", "true", "false", "\"x\"", "\"\"", "[]", "{}", "[1,\"a\",null]", "{\"a\":1}", "null"];

    public static readonly string[] Numbers =
    [
        "1e308", "-1e308", "1.7976931348623157e308", "4.9e-324", "1e309", "-1e309", "1e-400", "-0", "-0.0", "0.0",
        "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809", "18446744073709551616",
        "2147483647", "2147483648", "-2147483649", "123456789012345678901234567890", "1.5", "1E2", "0.000001",
        "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "\"1e308\"", "\"-0\"", "\"9223372036854775808\"",
    ];

    /// <summary>Not JSON at all: the reader has to refuse these.</summary>
    public static readonly string[] Invalid = ["NaN", "Infinity", "-Infinity", "01", "+1", ".5", "1.", "0x10", "1e", "-", "undefined", "'x'", "True", "nul"];

    /// <summary>JSON string literals (quotes included) with Unicode edge cases, escaped where raw text would not be JSON.</summary>
    public static readonly string[] UnicodeStrings =
    [
        "\"\\u202Eevil\\u202Dtxt.exe\"",                // right-to-left override
        "\"a\\u200Bb\\u200Cc\\u200Dd\\u2060e\"",         // zero-width characters
        "\"\\uFEFFbom\"",
        "\"nul\\u0000byte\"", "\"\\u0000\"",
        "\"" + "\U0001F600\U0001F469\u200D\U0001F469\u200D\U0001F467" + "\"",  // 4-byte emoji and a ZWJ sequence
        "\"e" + string.Concat(Enumerable.Repeat("\u0301", 500)) + "\"",        // one letter, 500 combining marks
        "\"\\ud800\"", "\"x\\udc00y\"", "\"\\udbff\\udfff\"", "\"\\ud800\\ud800\"", // lone and paired surrogates
        "\"\\uffff\\ufffe\"", "\"\\u2028\\u2029\"", "\"\\u0085\"", "\"\\u001b[31mred\"",
        "\"   \"", "\"\\t\\r\\n\"", "\"../../etc/passwd\"", "\"%00%2F%2e%2e\"", "\"' OR 1=1 --\"", "\"<script>x</script>\"",
        "\"ＡＢＣ\"", "\"İı\"", "\"\\\\\"", "\"\\\"\"",
    ];

    public static readonly int[] Depths = [2, 8, 32, 60, 61, 62, 63, 64, 65, 100, 1000, 10_000];

    /// <summary>One hostile value, with a short description of what it is.</summary>
    public static (string Json, string What) Any(Random random) => random.Next(8) switch
    {
        0 => Pick(random, WrongTypes, "wrong type"),
        1 => Pick(random, Numbers, "extreme number"),
        2 => Pick(random, Invalid, "invalid literal"),
        3 or 4 => Pick(random, UnicodeStrings, "unicode"),
        5 => HugeString(random),
        6 => Nesting(random, Depth(random)),
        _ => Many(random),
    };

    public static int Depth(Random random) => Depths[random.Next(Depths.Length)];

    /// <summary>Arrays or objects nested <paramref name="depth"/> levels deep (the value itself is level 1).</summary>
    public static (string Json, string What) Nesting(Random random, int depth) => Nesting(depth, objects: random.Next(2) == 0);

    public static (string Json, string What) Nesting(int depth, bool objects)
    {
        var text = new StringBuilder(depth * 6);
        for (var i = 0; i < depth; i++)
        {
            text.Append(objects ? "{\"a\":" : "[");
        }
        text.Append('1');
        for (var i = 0; i < depth; i++)
        {
            text.Append(objects ? '}' : ']');
        }
        return (text.ToString(), $"{depth} nested {(objects ? "objects" : "arrays")}");
    }

    static (string, string) HugeString(Random random)
    {
        var (unit, name) = random.Next(3) switch
        {
            0 => ("a", "ASCII"),
            1 => ("\u00e9", "2-byte"),
            _ => ("\U0001F600", "4-byte"),
        };
        var count = random.Next(3) switch { 0 => 256, 1 => 5_000, _ => 100_000 };
        return ("\"" + string.Concat(Enumerable.Repeat(unit, count)) + "\"", $"string of {count} {name} characters");
    }

    static (string, string) Many(Random random)
    {
        var count = random.Next(2) == 0 ? 1_000 : 20_000;
        return random.Next(3) switch
        {
            0 => ("[" + string.Join(',', Enumerable.Repeat("\"s\"", count)) + "]", $"array of {count} strings"),
            1 => ("[" + string.Join(',', Enumerable.Range(0, count)) + "]", $"array of {count} numbers"),
            _ => ("{" + string.Join(',', Enumerable.Range(0, count).Select(i => $"\"k{i}\":{i}")) + "}", $"object of {count} fields"),
        };
    }

    static (string, string) Pick(Random random, string[] values, string what)
    {
        var value = values[random.Next(values.Length)];
        return (value, $"{what} {Excerpt(value)}");
    }

    public static string Excerpt(string text, int max = 60) =>
        text.Length <= max ? text : $"{text[..max]}... ({text.Length} chars)";
}
