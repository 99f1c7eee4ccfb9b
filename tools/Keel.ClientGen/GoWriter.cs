using System.Text;

namespace Keel.ClientGen;

/// <summary>
/// Writes Go source already in gofmt's layout, so that the generated files need no Go toolchain to
/// format them and regenerating gives the same bytes: tabs for indentation, and the cells of
/// consecutive struct fields and constants padded into columns with spaces, as gofmt's tabwriter does.
/// </summary>
internal sealed class GoWriter
{
    readonly StringBuilder _text = new();
    readonly List<(string? Comment, string[] Cells)> _rows = [];
    int _indent;

    public void Line(string line = "")
    {
        FlushRows();
        if (line.Length > 0)
        {
            _text.Append('\t', _indent);
        }
        _text.Append(line).Append('\n');
    }

    /// <summary>A line that opens a block (<c>{</c> or <c>(</c> at its end); the lines after it are indented.</summary>
    public void Open(string line)
    {
        Line(line);
        _indent++;
    }

    /// <summary>Ends the block <see cref="Open"/> began, with <paramref name="line"/> (<c>}</c> or <c>)</c>).</summary>
    public void Close(string line = "}")
    {
        FlushRows();
        _indent--;
        Line(line);
    }

    /// <summary>A <c>//</c> comment of one line per line of <paramref name="text"/>; blank lines become <c>//</c>.</summary>
    public void Comment(string text)
    {
        foreach (var line in text.Split('\n'))
        {
            var trimmed = line.TrimEnd();
            Line(trimmed.Length == 0 ? "//" : "// " + trimmed);
        }
    }

    /// <summary>
    /// One row of an aligned block (struct fields, constants), with an optional comment above it. gofmt
    /// aligns runs of rows that no comment or blank line interrupts, so a commented row starts a new run.
    /// </summary>
    public void Row(string? comment, params string[] cells) => _rows.Add((comment, cells));

    public override string ToString()
    {
        FlushRows();
        return _text.ToString();
    }

    void FlushRows()
    {
        var rows = _rows.ToArray();
        _rows.Clear();
        var start = 0;
        for (var i = 1; i <= rows.Length; i++)
        {
            if (i == rows.Length || rows[i].Comment is not null)
            {
                WriteRun(rows[start..i]);
                start = i;
            }
        }
    }

    void WriteRun((string? Comment, string[] Cells)[] run)
    {
        if (run.Length == 0)
        {
            return;
        }
        if (run[0].Comment is { } comment)
        {
            Comment(comment);
        }
        // Every cell but a row's last is padded to its column's widest cell and one space.
        var columns = run.Max(r => r.Cells.Length) - 1;
        var widths = new int[columns];
        foreach (var (_, cells) in run)
        {
            for (var c = 0; c < cells.Length - 1; c++)
            {
                widths[c] = Math.Max(widths[c], cells[c].Length);
            }
        }
        foreach (var (_, cells) in run)
        {
            var line = new StringBuilder();
            for (var c = 0; c < cells.Length - 1; c++)
            {
                line.Append(cells[c].PadRight(widths[c] + 1));
            }
            line.Append(cells[^1]);
            Line(line.ToString());
        }
    }
}
