using System.Diagnostics;
using System.Text.RegularExpressions;
using LossLab.Reporting;

namespace LossLab.Tests.Reporting;

public sealed partial class ReportChromiumTests
{
    private const string Chromium = "/usr/bin/chromium";

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
        Assert.Equal(figures.ToString(System.Globalization.CultureInfo.InvariantCulture), body.Groups["count"].Value);
        Assert.Equal(figures.ToString(System.Globalization.CultureInfo.InvariantCulture), body.Groups["loaded"].Value);
    }

    private static string Headless(string dir, params string[] arguments)
    {
        var info = new ProcessStartInfo(Chromium)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", $"--user-data-dir={Path.Combine(dir, "chromium-profile")}",
                 }.Concat(arguments))
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start chromium");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("chromium did not finish within 120 s");
        }

        Assert.True(process.ExitCode == 0, $"chromium exited with {process.ExitCode}: {error.Result}");
        return output.Result;
    }

    [GeneratedRegex("<body[^>]*data-image-count=\"(?<count>\\d+)\"[^>]*data-images-loaded=\"(?<loaded>\\d+)\"")]
    private static partial Regex BodyTag();
}
