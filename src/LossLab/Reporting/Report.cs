using System.Net;
using System.Text;
using LossLab.Runs;

namespace LossLab.Reporting;

/// <summary>
/// A finished report: the sections' verdicts under the title, then the sections of text, tables and figures. <see cref="Write"/> puts <c>report.md</c> (referring
/// to the PNG and SVG files) and <c>report.html</c> (one self-contained file, the PNGs embedded as data URIs)
/// into a folder.
/// </summary>
/// <param name="Title">Report heading.</param>
/// <param name="Sections">The sections, in order.</param>
public sealed record Report(string Title, IReadOnlyList<ReportSection> Sections)
{
    /// <summary>File name of the Markdown report.</summary>
    public const string MarkdownFileName = "report.md";

    /// <summary>File name of the HTML report.</summary>
    public const string HtmlFileName = "report.html";

    /// <summary>Writes both files into <paramref name="directory"/> (atomically), returning their paths (Markdown, HTML).</summary>
    public (string Markdown, string Html) Write(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        var markdown = Path.Combine(directory, MarkdownFileName);
        var html = Path.Combine(directory, HtmlFileName);
        AtomicFile.WriteText(markdown, ToMarkdown(directory));
        AtomicFile.WriteText(html, ToHtml());
        return (markdown, html);
    }

    /// <summary>The Markdown text; figure paths are relative to <paramref name="directory"/>, where the file goes.</summary>
    public string ToMarkdown(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        var root = Path.GetFullPath(directory);
        var md = new StringBuilder();
        md.AppendLine($"# {Title}").AppendLine();
        foreach (var (heading, verdict) in Verdicts())
        {
            md.AppendLine($"> **{heading}** {verdict.Summary}");
            if (verdict.Caution is { } caution)
            {
                md.AppendLine(">").AppendLine($"> *Caution:* {caution}");
            }

            md.AppendLine();
        }

        foreach (var section in Sections)
        {
            md.AppendLine($"## {section.Title}").AppendLine();
            foreach (var paragraph in section.Paragraphs)
            {
                md.AppendLine(paragraph).AppendLine();
            }

            foreach (var table in section.Tables)
            {
                md.AppendLine(table.ToMarkdown());
            }

            foreach (var figure in section.Figures)
            {
                var png = Relative(root, figure.Files.PngPath);
                var svg = Relative(root, figure.Files.SvgPath);
                md.AppendLine($"![{figure.Caption}]({png})").AppendLine();
                md.AppendLine($"*{figure.Caption}* ([SVG]({svg}))").AppendLine();
            }

            foreach (var table in section.Appendix)
            {
                md.AppendLine(table.ToMarkdown());
            }
        }

        return md.ToString();
    }

    /// <summary>The HTML page: inline style, PNGs as base64 data URIs, and a script that records on the body how many images decoded (<c>data-images-loaded</c> of <c>data-image-count</c>).</summary>
    public string ToHtml()
    {
        var html = new StringBuilder();
        html.AppendLine("<!DOCTYPE html>");
        html.AppendLine("<html lang=\"en\"><head><meta charset=\"utf-8\">");
        html.AppendLine($"<title>{Encode(Title)}</title>");
        html.AppendLine("<style>");
        html.AppendLine("body{font-family:'DejaVu Sans',Arial,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}");
        html.AppendLine("h1{font-size:1.6em}h2{font-size:1.3em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}");
        html.AppendLine("table{border-collapse:collapse;margin:1em 0;font-size:.9em}caption{font-weight:bold;text-align:left;padding:.3em 0}");
        html.AppendLine("th,td{border:1px solid #ccc;padding:.3em .6em;text-align:left}th{background:#f2f2f2}tbody tr:nth-child(even){background:#fafafa}");
        html.AppendLine("figure{margin:1.5em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}figcaption{font-size:.9em;color:#444}");
        html.AppendLine(".note,.details{font-size:.85em;color:#555}");
        html.AppendLine(".verdict{background:#f4f7fb;border-left:4px solid #3b6ea5;padding:.4em 1em;margin:1em 0}.verdict p{margin:.5em 0}.caution{color:#7a4a00}");
        html.AppendLine("</style></head>");
        html.AppendLine("<body>");
        html.AppendLine($"<h1>{Encode(Title)}</h1>");
        foreach (var (heading, verdict) in Verdicts())
        {
            html.AppendLine("<div class=\"verdict\">");
            html.AppendLine($"<p class=\"summary\"><strong>{Encode(heading)}</strong> {Encode(verdict.Summary)}</p>");
            if (verdict.Caution is { } caution)
            {
                html.AppendLine($"<p class=\"caution\"><strong>Caution:</strong> {Encode(caution)}</p>");
            }

            html.AppendLine("</div>");
        }

        foreach (var section in Sections)
        {
            html.AppendLine($"<section><h2>{Encode(section.Title)}</h2>");
            foreach (var paragraph in section.Paragraphs)
            {
                html.AppendLine($"<p>{Encode(paragraph)}</p>");
            }

            foreach (var table in section.Tables)
            {
                html.Append(table.ToHtml());
            }

            foreach (var figure in section.Figures)
            {
                var data = Convert.ToBase64String(File.ReadAllBytes(figure.Files.PngPath));
                html.AppendLine("<figure>");
                html.AppendLine($"<img alt=\"{Encode(figure.Caption)}\" src=\"data:image/png;base64,{data}\">");
                html.AppendLine($"<figcaption>{Encode(figure.Caption)}</figcaption>");
                html.AppendLine("</figure>");
            }

            foreach (var table in section.Appendix)
            {
                html.Append(table.ToHtml());
            }

            foreach (var detail in section.Details)
            {
                html.AppendLine($"<p class=\"details\">{Encode(detail)}</p>");
            }

            html.AppendLine("</section>");
        }

        // Lets a headless browser (and the tests) confirm that every embedded image decoded.
        html.AppendLine("<script>");
        html.AppendLine("window.addEventListener('load', function () {");
        html.AppendLine("  var images = Array.prototype.slice.call(document.images);");
        html.AppendLine("  document.body.dataset.imageCount = String(images.length);");
        html.AppendLine("  document.body.dataset.imagesLoaded = String(images.filter(function (i) { return i.complete && i.naturalWidth > 0; }).length);");
        html.AppendLine("});");
        html.AppendLine("</script>");
        html.AppendLine("</body></html>");
        return html.ToString();
    }

    /// <summary>The sections' verdicts, each headed "Verdict." or, when several sections have one, by its section's title.</summary>
    private IEnumerable<(string Heading, ReportVerdict Verdict)> Verdicts()
    {
        var sections = Sections.Where(s => s.Verdict is not null).ToArray();
        return sections.Select(s => (sections.Length == 1 ? "Verdict." : $"{s.Title}:", s.Verdict!));
    }

    private static string Relative(string root, string path) => Path.GetRelativePath(root, path).Replace('\\', '/');

    private static string Encode(string text) => WebUtility.HtmlEncode(text);
}
