using System.Globalization;
using System.Text.RegularExpressions;
using LossLab.Reporting;

namespace LossLab.Tests.Reporting;

public sealed partial class ReportChromiumTests
{
    private const string Chromium = HeadlessChromium.Path;

    [Fact]
    public void Should_RenderEveryPlot_When_TheHtmlReportOpensInHeadlessChromium()
    {
        // Given Debian's chromium and a report of a comparison
        Assert.True(File.Exists(Chromium), "chromium is missing: run scripts/setup.sh chromium (apt-get install chromium)");
        using var dirFolder = new TempFolder("report-chromium");
        var dir = dirFolder.Path;
        SyntheticExperiment.WriteCompare(dir, ["improved", "margin", "triplet"], 2, (loss, seed) => loss == "improved" ? 0.6 + (0.01 * seed) : 0.55, "E2");
        var report = ReportBuilder.Build([dir], dir);
        var url = new Uri(Path.Combine(dir, Report.HtmlFileName)).AbsoluteUri;
        var screenshot = Path.Combine(dir, "screenshot.png");

        // When chromium takes a screenshot and dumps the DOM after the page's load event (one browser start)
        var dom = Headless(dir, $"--screenshot={screenshot}", "--dump-dom", "--window-size=1200,2000", url);

        // Then the screenshot exists, and the page counted every embedded image as decoded
        Assert.True(new FileInfo(screenshot).Length > 20_000, "the screenshot is missing or blank");
        var figures = report.Sections.Sum(s => s.Figures.Count);
        var body = BodyTag().Match(dom);
        Assert.True(body.Success, $"no data-images-loaded on <body> in the dumped DOM: {dom[..Math.Min(dom.Length, 300)]}");
        Assert.Equal(figures.ToString(CultureInfo.InvariantCulture), body.Groups["count"].Value);
        Assert.Equal(figures.ToString(CultureInfo.InvariantCulture), body.Groups["loaded"].Value);
    }

    [Fact]
    public void Should_ShowAVerdictThatAgreesWithTheTablesAndFiguresWithBandsAndPanels_When_TheReportOpensInChromium()
    {
        // Given a comparison with a known winner over 3 seeds: improved (0.61, 0.62, 0.63) beats ce (0.06 below on every
        // seed) and margin (0.55 throughout), but not proxynca (0.60, 0.59, 0.64: differences +0.01, +0.03, −0.01)
        Assert.True(File.Exists(Chromium), "chromium is missing: run scripts/setup.sh chromium (apt-get install chromium)");
        string[] losses = ["improved", "ce", "margin", "proxynca"];
        double[] proxynca = [0.60, 0.59, 0.64];
        using var dirFolder = new TempFolder("report-chromium-verdict");
        var dir = dirFolder.Path;
        SyntheticExperiment.WriteCompare(dir, losses, 3, (loss, seed) => loss switch
        {
            "improved" => 0.6 + (0.01 * seed),
            "ce" => 0.54 + (0.01 * seed),
            "margin" => 0.55,
            _ => proxynca[seed - 1],
        });
        var report = ReportBuilder.Build([dir], dir);
        var url = new Uri(Path.Combine(dir, Report.HtmlFileName)).AbsoluteUri;

        // When chromium loads the page and dumps its DOM
        var dom = Headless(dir, "--dump-dom", "--window-size=1200,2000", url);

        // Then the verdict stands between the title and the first section
        var verdictStart = dom.IndexOf("<div class=\"verdict\">", StringComparison.Ordinal);
        Assert.True(verdictStart > dom.IndexOf("</h1>", StringComparison.Ordinal) && verdictStart < dom.IndexOf("<h2", StringComparison.Ordinal), "no verdict under the title");
        var verdict = Text(dom[verdictStart..dom.IndexOf("</div>", verdictStart, StringComparison.Ordinal)]);

        // And it names the loss with the highest mean in the final-epoch table, for macro-F1 and NMI, with the table's mean ± sd
        var table1 = Table(dom, "Final-epoch metrics per loss");
        foreach (var (metric, column) in new[] { ("macro-F1", Array.IndexOf(table1.Headers, "macro-F1")), ("NMI", Array.IndexOf(table1.Headers, "NMI")) })
        {
            var top = table1.Rows.MaxBy(r => double.Parse(r[column].Split(' ')[0], CultureInfo.InvariantCulture))!;
            Assert.Equal("improved", top[0]);
            Assert.Contains($"highest mean {metric}: {top[0]}, {top[column]}", verdict, StringComparison.OrdinalIgnoreCase);
        }

        // And it says "beats" exactly for the baselines whose one-sided p in the paired-test table is below 0.05, quoting it
        var tests = Table(dom, "Paired t-tests");
        var beaten = new List<string>();
        foreach (var row in tests.Rows)
        {
            var (baseline, pF1, pNmi) = (row[0], row[4], row[7]);
            var f1 = P(pF1) < 0.05;
            var nmi = P(pNmi) < 0.05;
            if (f1 && nmi)
            {
                beaten.Add(baseline);
                Assert.Contains($"{baseline} on macro-F1 ({Quoted(pF1)}) and on NMI ({Quoted(pNmi)})", verdict, StringComparison.Ordinal);
            }
            else if (f1 || nmi)
            {
                beaten.Add(baseline);
                Assert.Contains(f1 ? $"{baseline} on macro-F1 only ({Quoted(pF1)})" : $"{baseline} on NMI only ({Quoted(pNmi)})", verdict, StringComparison.Ordinal);
            }
            else
            {
                Assert.Matches($@"It does not beat [^.]*\b{baseline}\b[^.]* on either metric\.", verdict);
            }
        }

        Assert.Equal(["ce", "margin"], beaten);
        Assert.Contains("Caution: 3 seeds per loss", verdict, StringComparison.Ordinal);

        // And the training-loss figure has one panel per loss, each titled by its loss
        var figures = report.Sections.SelectMany(s => s.Figures).ToArray();
        var lossFigure = new SvgFigure(figures.Single(f => f.Caption.StartsWith("Training loss per epoch", StringComparison.Ordinal)).Files.SvgPath);
        Assert.Equal(losses.Length, lossFigure.DataAreas);
        Assert.All(losses, loss => Assert.Single(lossFigure.Texts, t => t.Text == loss));

        // And the reliability diagram has one panel per loss that serves probabilities (improved and ce), titled by the
        // loss with the ECE of the pooled bins; the metric losses get none, and the caption says why
        var reliability = figures.Single(f => f.Caption.StartsWith("Reliability diagrams", StringComparison.Ordinal));
        var diagram = new SvgFigure(reliability.Files.SvgPath);
        Assert.Equal(2, diagram.DataAreas);
        Assert.All(new[] { "improved", "ce" }, loss => Assert.Single(diagram.Texts, t => t.Text.StartsWith($"{loss} (ECE 0.100, n = 1500)", StringComparison.Ordinal)));
        Assert.Contains("No panel for margin, proxynca: no class probabilities.", reliability.Caption, StringComparison.Ordinal);
        Assert.Contains("pooled", reliability.Caption, StringComparison.Ordinal);
        Assert.Equal(reliability.Caption, Text(Regex.Match(dom, "<figcaption>Reliability diagrams.*?</figcaption>", RegexOptions.Singleline).Value));

        // And the calibration table gives ECE, NLL and Brier for those losses and n/a for the others
        var calibration = Table(dom, "Calibration per loss");
        Assert.Equal(["loss", "seeds", "ECE", "NLL", "Brier"], calibration.Headers);
        Assert.Equal(["0.1333 ± 0.0000", "n/a", "n/a"], calibration.Rows.Where(r => r[0] is "ce" or "margin" or "proxynca").Select(r => r[2]));

        // And the F1, NMI and loss figures carry one band per loss: one translucent filled path in each line's colour
        foreach (var figure in figures.Where(f => f.Caption.Contains("per epoch", StringComparison.Ordinal) && !f.Caption.StartsWith("Expected calibration error", StringComparison.Ordinal)))
        {
            var svg = new SvgFigure(figure.Files.SvgPath);
            var lineColors = svg.Strokes(PlotStyle.Default.LineWidth).Select(l => l.Color).Distinct().Order().ToArray();
            Assert.Equal(losses.Length, lineColors.Length);
            Assert.Equal(lineColors, svg.TranslucentFills.Where(f => f.Element == "path").Select(f => f.Color).Order());
            Assert.Contains(svg.Texts, t => t.Text == "shaded: ±1 sd over 3 seeds");
        }
    }

    private static double P(string cell) => cell == "< 0.001" ? 0.0005 : double.Parse(cell, CultureInfo.InvariantCulture);

    private static string Quoted(string cell) => cell.StartsWith('<') ? $"p {cell}" : $"p = {cell}";

    private static string Text(string html) => RenderedHtml.Text(html);

    /// <summary>The first table whose caption starts with <paramref name="caption"/>: its header cells and body rows as text.</summary>
    private static (string[] Headers, string[][] Rows) Table(string dom, string caption) => RenderedHtml.Tables(dom, caption).First();

    private static string Headless(string dir, params string[] arguments) => HeadlessChromium.Run(dir, arguments);

    [GeneratedRegex("<body[^>]*data-image-count=\"(?<count>\\d+)\"[^>]*data-images-loaded=\"(?<loaded>\\d+)\"")]
    private static partial Regex BodyTag();
}
