using System.Net;
using System.Text.RegularExpressions;

namespace LossLab.Tests;

/// <summary>Reads a report's HTML as headless Chromium rendered it (<c>--dump-dom</c>): text and tables.</summary>
internal static partial class RenderedHtml
{
    /// <summary>The text of an HTML fragment: tags removed, entities decoded, trimmed.</summary>
    public static string Text(string html) => WebUtility.HtmlDecode(Tags().Replace(html, "")).Trim();

    /// <summary>Every table whose caption starts with <paramref name="caption"/>, in page order: its header cells and body rows as text.</summary>
    public static (string[] Headers, string[][] Rows)[] Tables(string dom, string caption) =>
        TableTag().Matches(dom)
            .Select(m => m.Value)
            .Where(t => Text(CaptionTag().Match(t).Value).StartsWith(caption, StringComparison.Ordinal))
            .Select(t =>
            {
                var headers = HeaderCell().Matches(t).Select(m => Text(m.Groups[1].Value)).ToArray();
                var body = t[t.IndexOf("<tbody>", StringComparison.Ordinal)..];
                var rows = RowTag().Matches(body).Select(r => DataCell().Matches(r.Value).Select(c => Text(c.Groups[1].Value)).ToArray()).Where(r => r.Length > 0).ToArray();
                return (headers, rows);
            })
            .ToArray();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tags();

    [GeneratedRegex("<table>.*?</table>", RegexOptions.Singleline)]
    private static partial Regex TableTag();

    [GeneratedRegex("<caption>.*?</caption>", RegexOptions.Singleline)]
    private static partial Regex CaptionTag();

    [GeneratedRegex("<tr>.*?</tr>", RegexOptions.Singleline)]
    private static partial Regex RowTag();

    [GeneratedRegex("<th>(.*?)</th>", RegexOptions.Singleline)]
    private static partial Regex HeaderCell();

    [GeneratedRegex("<td>(.*?)</td>", RegexOptions.Singleline)]
    private static partial Regex DataCell();
}
