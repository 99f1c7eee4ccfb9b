using System.Text;

namespace Keel.ClientGen;

/// <summary>Go spellings of the document's names: <c>owner_id</c> → <c>OwnerID</c>, <c>listKeys</c> → <c>ListKeys</c>.</summary>
internal static class GoNames
{
    // Go writes initialisms in one case (Effective Go); only those Keel's names contain.
    static readonly HashSet<string> Initialisms = new(StringComparer.OrdinalIgnoreCase) { "api", "http", "id", "json", "url", "uri" };

    static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "break", "case", "chan", "const", "continue", "default", "defer", "else", "fallthrough", "for", "func",
        "go", "goto", "if", "import", "interface", "map", "package", "range", "return", "select", "struct",
        "switch", "type", "var",
    };

    /// <summary>An exported identifier: every word capitalised, initialisms in capitals.</summary>
    public static string Exported(string name)
    {
        var result = new StringBuilder();
        foreach (var word in Words(name))
        {
            result.Append(Capitalised(word));
        }
        return result.ToString();
    }

    /// <summary>A parameter name: the first word in lower case, the others as in <see cref="Exported"/>.</summary>
    public static string Unexported(string name)
    {
        var words = Words(name);
        var result = new StringBuilder(words[0].ToLowerInvariant());
        foreach (var word in words.Skip(1))
        {
            result.Append(Capitalised(word));
        }
        var text = result.ToString();
        return Keywords.Contains(text) ? text + "Value" : text;
    }

    /// <summary>The name of one element of a list named in the plural: <c>SignatureVersions</c> → <c>SignatureVersion</c>.</summary>
    public static string Singular(string plural) =>
        plural.EndsWith('s') && !plural.EndsWith("ss", StringComparison.Ordinal) ? plural[..^1] : plural;

    /// <summary>
    /// A sentence fragment that follows a Go name: the first letter in lower case unless the first word
    /// is an acronym (<c>List keys</c> → <c>list keys</c>, <c>RFC 9457</c> stays).
    /// </summary>
    public static string LowerFirst(string text) =>
        text.Length > 1 && char.IsUpper(text[0]) && char.IsLower(text[1]) ? char.ToLowerInvariant(text[0]) + text[1..] : text;

    static string Capitalised(string word)
    {
        if (Initialisms.Contains(word))
        {
            return word.ToUpperInvariant();
        }
        // SCREAMING words (enum values such as NOT_FOUND) read as ordinary words.
        var lower = word.All(c => !char.IsLetter(c) || char.IsUpper(c)) ? word.ToLowerInvariant() : word;
        return char.ToUpperInvariant(lower[0]) + lower[1..];
    }

    // Words split at anything that is not a letter or digit, and where camelCase turns to upper case.
    static List<string> Words(string name)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (!char.IsAsciiLetterOrDigit(c))
            {
                Flush();
                continue;
            }
            if (char.IsUpper(c) && i > 0 && char.IsLower(name[i - 1]))
            {
                Flush();
            }
            current.Append(c);
        }
        Flush();
        if (words.Count == 0)
        {
            throw new InvalidOperationException($"'{name}' has no letters or digits to make a Go name of.");
        }
        return words;

        void Flush()
        {
            if (current.Length > 0)
            {
                words.Add(current.ToString());
                current.Clear();
            }
        }
    }
}
