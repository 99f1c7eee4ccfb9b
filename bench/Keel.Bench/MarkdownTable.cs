using System.Text;

namespace Keel.Bench;

/// <summary>A Markdown table with aligned columns, numbers right-aligned.</summary>
public sealed class MarkdownTable(params string[] headers)
{
    readonly List<string[]> _rows = [];

    public MarkdownTable Row(params string[] cells)
    {
        if (cells.Length != headers.Length)
        {
            throw new ArgumentException($"expected {headers.Length} cells, got {cells.Length}", nameof(cells));
        }
        _rows.Add(cells);
        return this;
    }

    public override string ToString()
    {
        var widths = headers.Select((h, i) => _rows.Select(r => r[i].Length).Append(Math.Max(3, h.Length)).Max()).ToArray();
        var numeric = headers.Select((_, i) => _rows.Count > 0 && _rows.All(r => IsNumber(r[i]))).ToArray();
        var text = new StringBuilder();
        Line(text, headers, widths, numeric);
        text.Append('|');
        for (var i = 0; i < widths.Length; i++)
        {
            text.Append(' ').Append('-', numeric[i] ? widths[i] - 1 : widths[i]).Append(numeric[i] ? ":" : "").Append(" |");
        }
        text.AppendLine();
        foreach (var row in _rows)
        {
            Line(text, row, widths, numeric);
        }
        return text.ToString();
    }

    static void Line(StringBuilder text, string[] cells, int[] widths, bool[] numeric)
    {
        text.Append('|');
        for (var i = 0; i < cells.Length; i++)
        {
            text.Append(' ').Append(numeric[i] ? cells[i].PadLeft(widths[i]) : cells[i].PadRight(widths[i])).Append(" |");
        }
        text.AppendLine();
    }

    static bool IsNumber(string cell) => cell.Length > 0 && (char.IsDigit(cell[0]) || cell is "-" or "n/a");
}
