using System.Globalization;
using System.Text;

namespace Keel.Http;

/// <summary>
/// Names and descriptions people read in a console or a log. One made only of invisible characters looks
/// blank or like nothing at all, and a bidi override or isolate (U+202A-U+202E, U+2066-U+2069) reorders
/// what follows it, so a name can pass for another (a "Trojan Source" display); both are refused.
/// </summary>
public static class DisplayNames
{
    public const string Rule = "must have a visible character and no bidirectional override or isolate (U+202A-U+202E, U+2066-U+2069)";

    /// <summary>Whether <paramref name="text"/> has a visible character and no bidi override or isolate.</summary>
    public static bool IsDisplayable(string? text)
    {
        if (text is null)
        {
            return false;
        }
        var visible = false;
        foreach (var rune in text.EnumerateRunes())
        {
            if (IsBidiControl(rune))
            {
                return false;
            }
            visible |= !IsInvisible(rune);
        }
        return visible;
    }

    static bool IsBidiControl(Rune r) => r.Value is (>= 0x202A and <= 0x202E) or (>= 0x2066 and <= 0x2069);

    // Format (Cf: zero-width spaces and joiners, U+2060, U+FEFF, tags), combining marks with no base, separators,
    // controls, unpaired surrogates (decoded as U+FFFD) and the letters that draw nothing (Hangul fillers, braille blank).
    static bool IsInvisible(Rune r) => r == Rune.ReplacementChar || Rune.IsWhiteSpace(r) || Rune.IsControl(r)
        || r.Value is 0x115F or 0x1160 or 0x3164 or 0xFFA0 or 0x2800
        || Rune.GetUnicodeCategory(r) is UnicodeCategory.Format or UnicodeCategory.NonSpacingMark or UnicodeCategory.EnclosingMark or UnicodeCategory.SpaceSeparator or UnicodeCategory.LineSeparator
            or UnicodeCategory.ParagraphSeparator or UnicodeCategory.OtherNotAssigned or UnicodeCategory.Surrogate;
}
