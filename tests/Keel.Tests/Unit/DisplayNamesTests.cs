using Keel.Http;

namespace Keel.Tests.Unit;

/// <summary>Names made only of invisible characters, and names with a bidi override or isolate anywhere, are refused.</summary>
public sealed class DisplayNamesTests
{
    public static TheoryData<string> Refused => new()
    {
        "", " \t ", "\u200B", "\u200B\u200C\u200D", "\uFEFF", "\u2060", "\u00A0\u3000", "\u3164", "\u115F\u1160", "\u2800", "\u0301\u0301",
        "\U000E0041\U000E0042", // tag characters
        "\u202E", "Invoice\u202Egnp.exe", "Acme\u2066 Corp\u2069", "\u202Aowner\u202C", "a\u2067b", "a\u2068b",
    };

    public static TheoryData<string> Accepted => new()
    {
        "Acme", "  Acme  ", "Zoë", "東京", "שלום", "مرحبا", "a\u200Db", "\u200FAcme", "👩\u200D💻 team", "x",
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void IsDisplayable_InvisibleOrBidiOverride_IsFalse(string name) => Assert.False(DisplayNames.IsDisplayable(name));

    [Theory]
    [MemberData(nameof(Accepted))]
    public void IsDisplayable_VisibleText_IsTrue(string name) => Assert.True(DisplayNames.IsDisplayable(name));
}
