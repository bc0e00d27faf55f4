using System.Net;
using System.Text;

namespace LossLab.Reporting;

/// <summary>A table of a report, rendered as Markdown and as HTML.</summary>
/// <param name="Title">Heading above the table.</param>
/// <param name="Headers">Column headers.</param>
/// <param name="Rows">Cells, each row as long as <paramref name="Headers"/>.</param>
/// <param name="Note">A sentence under the table, or null.</param>
public sealed record ReportTable(string Title, IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows, string? Note = null)
{
    /// <summary>GitHub-flavoured Markdown: a bold title line, the table, the note in italics.</summary>
    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine($"**{Title}**").AppendLine();
        md.AppendLine("| " + string.Join(" | ", Headers.Select(Cell)) + " |");
        md.AppendLine("|" + string.Concat(Headers.Select(_ => "---|")));
        foreach (var row in Rows)
        {
            md.AppendLine("| " + string.Join(" | ", row.Select(Cell)) + " |");
        }

        if (Note is not null)
        {
            md.AppendLine().AppendLine($"*{Note}*");
        }

        return md.ToString();
    }

    /// <summary>An HTML <c>&lt;table&gt;</c> with a caption (the title) and the note below.</summary>
    public string ToHtml()
    {
        var html = new StringBuilder();
        html.AppendLine("<table>");
        html.AppendLine($"<caption>{Encode(Title)}</caption>");
        html.AppendLine("<thead><tr>" + string.Concat(Headers.Select(h => $"<th>{Encode(h)}</th>")) + "</tr></thead>");
        html.AppendLine("<tbody>");
        foreach (var row in Rows)
        {
            html.AppendLine("<tr>" + string.Concat(row.Select(c => $"<td>{Encode(c)}</td>")) + "</tr>");
        }

        html.AppendLine("</tbody></table>");
        if (Note is not null)
        {
            html.AppendLine($"<p class=\"note\">{Encode(Note)}</p>");
        }

        return html.ToString();
    }

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
