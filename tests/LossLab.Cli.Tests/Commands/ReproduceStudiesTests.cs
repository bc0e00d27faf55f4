using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using LossLab.Experiments;
using LossLab.Reporting;
using LossLab.Runs;
using LossLab.Tests;

namespace LossLab.Cli.Tests.Commands;

/// <summary>E5 (ablation) and E6 (class imbalance) end to end at a tiny size: the command, the runs' files and the report in a browser.</summary>
public sealed partial class ReproduceStudiesTests
{
    private static readonly string[] Tiny = ["--epochs", "1", "--threads", "1", "--jobs", "1", "--no-tensorboard"];

    [Fact]
    public void Should_WriteTheAblationReportWithCalibrationAndReliabilityDiagrams_When_E5QuickRunsTiny()
    {
        // Given Fashion-MNIST and E5's quick preset cut to 120 training images, 1 epoch and 2 seeds
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");
        using var dirFolder = new TempFolder("reproduce-e5");
        var dir = dirFolder.Path;

        // When it runs
        var (code, output, error) = CliRunner.Run(["reproduce", "E5", "--preset", "quick", "--train-limit", "120", "--test-limit", "60", "--seeds", "2", .. Tiny, "--out", dir]);

        // Then 5 variants × 2 seeds trained, each writing ECE, NLL and Brier to metrics.csv and the bins to summary.json;
        // the expected duration came before the runs and beside the measured one at the end
        Assert.True(code == 0, error);
        Assert.Matches(@"expected duration: about \d+ s \(from the speed", error);
        Assert.Matches(@"wall time: \d+ s; expected about \d+ s", output);
        var plan = ExperimentPlan.Load(dir)!;
        Assert.Equal(10, plan.Runs.Count);
        foreach (var run in plan.Runs)
        {
            var runDir = new RunDirectory(ExperimentRunner.RunPathIn(dir, run.Id));
            var final = runDir.ReadSummary()!.Final!;
            Assert.InRange(final.Ece!.Value, 0, 1);
            Assert.True(final.Nll > 0 && final.Brier > 0);
            Assert.Equal(60, final.CalibrationBins!.Sum(b => b.Count));
            var csv = File.ReadAllLines(Path.Combine(runDir.Path, "metrics.csv"));
            var ece = Array.IndexOf(csv[0].Split(','), "ece");
            Assert.Equal(final.Ece.Value, double.Parse(csv[^1].Split(',')[ece], CultureInfo.InvariantCulture));
        }

        // And the report, opened in chromium, shows every figure, the variants by their labels with ECE and NLL, both
        // paired tables, and a reliability diagram with one panel per variant
        var dom = HeadlessChromium.Dom(dir, Path.Combine(dir, Report.HtmlFileName));
        Assert.Equal(HeadlessChromium.Images(dom)!.Value.Count, HeadlessChromium.Images(dom)!.Value.Loaded);
        var labels = plan.Variants.Select(v => v.Label).ToArray();
        Assert.Equal(["ce (β 1, γ 0)", "scale only (β 4, γ 0)", "focus only (β 1, γ 5)", "both (β 4, γ 5)", "paper Fashion-MNIST (β 4, γ 10)"], labels);
        var main = Table(dom, "Final-epoch metrics per variant");
        Assert.Equal(["variant", "seeds", "accuracy", "macro-F1", "NMI", "ECE", "NLL"], main.Headers);
        Assert.Equal(labels, main.Rows.Select(r => r[0]));
        Assert.All(main.Rows, r => Assert.Matches(@"^\d\.\d{4} ± \d\.\d{4}$", r[5]));
        Assert.Equal(labels, Table(dom, "Calibration per variant").Rows.Select(r => r[0]));
        Assert.Equal(labels.Skip(1), Table(dom, "Paired t-tests against ce (β 1, γ 0)").Rows.Select(r => r[0]));
        Assert.Equal(labels.Where(l => !l.StartsWith("both", StringComparison.Ordinal)), Table(dom, "Paired t-tests against both (β 4, γ 5)").Rows.Select(r => r[0]));
        Assert.Contains("Expected calibration error on the test split per epoch", dom, StringComparison.Ordinal);
        Assert.Equal(labels, PanelTitles(Path.Combine(dir, "figures", "1-e5-reliability.svg"), 120));
    }

    [Fact]
    public void Should_WriteBothImbalanceReportsWithHeadMiddleTailRecall_When_E6QuickRunsTinyOnCifar10()
    {
        // Given the CIFAR-10 JPEG archive and E6's quick preset cut to 100 images per class before the imbalance, 1 epoch, 1 seed
        var cifar = CifarArchive();
        using var dirFolder = new TempFolder("reproduce-e6");
        var dir = dirFolder.Path;

        // When it runs
        var (code, _, error) = CliRunner.Run(["reproduce", "E6", "--preset", "quick", "--dataset", $"folder:{cifar}", "--train-limit", "1000", "--test-limit", "100", "--seeds", "1", .. Tiny, "--out", dir]);

        // Then each ratio trained its six variants on a long-tailed set (100 images of class 0 down to 100 / ratio) and a balanced test set
        Assert.True(code == 0, error);
        foreach (var (ratio, tail) in new[] { (10, 10L), (100, 1L) })
        {
            var part = Path.Combine(dir, $"ratio-{ratio}");
            var plan = ExperimentPlan.Load(part)!;
            Assert.Equal(6, plan.Runs.Count);
            var config = new RunDirectory(ExperimentRunner.RunPathIn(part, plan.Runs[0].Id)).ReadConfig()!;
            Assert.Equal(100, config.TrainClassCounts![0]);
            Assert.Equal(tail, config.TrainClassCounts[^1]);
            Assert.Equal(config.TrainClassCounts.OrderDescending(), config.TrainClassCounts);
            Assert.Equal(100, config.TestImages);
        }

        // And the report, opened in chromium, shows every figure and, for each ratio, the imbalance table with the six
        // variants, numbers in every cell, and a reliability diagram with six panels
        var dom = HeadlessChromium.Dom(dir, Path.Combine(dir, Report.HtmlFileName));
        Assert.Equal(HeadlessChromium.Images(dom)!.Value.Count, HeadlessChromium.Images(dom)!.Value.Loaded);
        var tables = Tables(dom, "Class imbalance per variant");
        Assert.Equal(2, tables.Length);
        string[] labels = [.. Reproduction.ImbalanceVariants.Select(v => v.Label)];
        foreach (var table in tables)
        {
            Assert.Equal(["variant", "seeds", "macro-F1", "balanced accuracy", "head recall", "middle recall", "tail recall", "ECE"], table.Headers);
            Assert.Equal(labels, table.Rows.Select(r => r[0]));
            Assert.All(table.Rows, r => Assert.All(r.Skip(2), cell => Assert.Matches(@"^\d\.\d{4}$", cell)));
        }

        foreach (var figure in Directory.GetFiles(Path.Combine(dir, "figures"), "*-reliability.svg"))
        {
            Assert.Equal(labels, PanelTitles(figure, 100));
        }

        Assert.Equal(2, Directory.GetFiles(Path.Combine(dir, "figures"), "*-reliability.svg").Length);
    }

    /// <summary>The CIFAR-10 JPEG archive beside the repository (<c>../shared/datasets</c>), which the end-to-end tests use.</summary>
    private static string CifarArchive()
    {
        var folder = new DirectoryInfo(AppContext.BaseDirectory);
        while (folder is not null && !File.Exists(Path.Combine(folder.FullName, "LossLab.slnx")))
        {
            folder = folder.Parent;
        }

        var archive = folder?.Parent is { } parent ? Path.Combine(parent.FullName, "shared", "datasets", "cifar10-jpg.tar.gz") : "";
        Assert.True(File.Exists(archive), $"the CIFAR-10 JPEG archive is missing: expected ../shared/datasets/cifar10-jpg.tar.gz beside the repository ({archive})");
        return archive;
    }

    /// <summary>The names of a reliability diagram's panels, from their titles "NAME (ECE 0.123, n = N)".</summary>
    private static string[] PanelTitles(string svg, int samples)
    {
        var text = WebUtility.HtmlDecode(File.ReadAllText(svg));
        return PanelTitle().Matches(text).Where(m => m.Groups["n"].Value == samples.ToString(CultureInfo.InvariantCulture)).Select(m => m.Groups["name"].Value).ToArray();
    }

    private static (string[] Headers, string[][] Rows) Table(string dom, string caption) => Assert.Single(Tables(dom, caption));

    private static (string[] Headers, string[][] Rows)[] Tables(string dom, string caption) => RenderedHtml.Tables(dom, caption);

    private static string Text(string html) => RenderedHtml.Text(html);

    [GeneratedRegex(@">\s*(?<name>[^<>]+?) \(ECE \d\.\d{3}, n = (?<n>\d+)\)\s*<")]
    private static partial Regex PanelTitle();
}
