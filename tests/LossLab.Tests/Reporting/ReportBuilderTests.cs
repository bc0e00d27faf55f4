using System.Globalization;
using System.Text.RegularExpressions;
using LossLab.Experiments;
using LossLab.Losses;
using LossLab.Reporting;

namespace LossLab.Tests.Reporting;

public sealed partial class ReportBuilderTests
{
    // Binary fractions keep the differences exact: improved beats ce by exactly 0.0625 with every seed, and differs
    // from triplet by +0.03125, −0.03125, +0.09375.
    private static readonly double[] ImprovedF1 = [0, 0.625, 0.5625, 0.6875];

    private static readonly Func<string, int, double> Finals = (loss, seed) => loss switch
    {
        "improved" => ImprovedF1[seed],
        "ce" => ImprovedF1[seed] - 0.0625,
        _ => 0.59375,
    };

    [Fact]
    public void Should_HoldTheComparisonTablesPaperColumnsAndFigures_When_ReportingALossComparison()
    {
        // Given a synthetic E2 comparison of three losses over three seeds
        using var dirFolder = new TempFolder("report-compare");
        var dir = dirFolder.Path;
        SyntheticExperiment.WriteCompare(dir, ["improved", "ce", "triplet"], 3, Finals, "E2");

        // When the report is built
        var report = ReportBuilder.Build([dir], dir);
        var md = File.ReadAllText(Path.Combine(dir, Report.MarkdownFileName));
        var html = File.ReadAllText(Path.Combine(dir, Report.HtmlFileName));

        // Then it holds the Table 1-shaped comparison with the paper's figures beside ours, the paired tests and Table 2
        Assert.Contains("Final-epoch metrics per loss (the shape of the paper's Table 1)", md, StringComparison.Ordinal);
        Assert.Contains("| improved | 3 |", md, StringComparison.Ordinal);
        Assert.Contains("| ce | 3 |", md, StringComparison.Ordinal);
        Assert.Contains("| triplet | 3 |", md, StringComparison.Ordinal);
        Assert.Contains("paper F1", md, StringComparison.Ordinal);
        Assert.Matches(@"\| improved \| 3 \|.*\| 0\.633 \| 0\.625 \|", md);
        Assert.Matches(@"\| triplet \| 3 \|.*\| 0\.5–0\.6 \| 0\.4–0\.5 \|", md);
        Assert.Contains("Table 2: Recall@1 / Recall@8", md, StringComparison.Ordinal);

        // A constant +0.0625 gives t = ∞ and p < 0.001; the triplet differences give t = 0.87, p = 0.239 (scipy ttest_rel, 'greater').
        Assert.Contains("| ce | 3 | +0.0625 | ∞ | < 0.001 |", md, StringComparison.Ordinal);
        Assert.Contains("| triplet | 3 | +0.0312 | 0.87 | 0.239 |", md, StringComparison.Ordinal);

        // And F1, NMI and loss curves per loss (the paper's Figs. 6 and 7), PNG and SVG on disk, embedded as data URIs in the HTML
        Assert.Contains("cf. the paper's Fig. 6", md, StringComparison.Ordinal);
        Assert.Contains("cf. the paper's Fig. 7", md, StringComparison.Ordinal);
        var figures = report.Sections.SelectMany(s => s.Figures).ToArray();
        Assert.Equal(6, figures.Length);
        Assert.All(figures, f => Assert.True(File.Exists(f.Files.PngPath) && File.Exists(f.Files.SvgPath)));
        Assert.All(MarkdownImages().Matches(md), m => Assert.True(File.Exists(Path.Combine(dir, m.Groups[1].Value)), m.Value));
        var images = ImageTags().Matches(html);
        Assert.Equal(figures.Length, images.Count);
        Assert.All(images, m => Assert.StartsWith("data:image/png;base64,iVBORw0KGgo", m.Groups[1].Value, StringComparison.Ordinal));
        Assert.Contains("document.body.dataset.imagesLoaded", html, StringComparison.Ordinal);
        Assert.DoesNotContain("src=\"figures/", html, StringComparison.Ordinal);

        // And final-metrics.csv has one row per run with its loss, seed, state and final F1
        var csv = File.ReadAllLines(Path.Combine(dir, ReportBuilder.FinalMetricsFileName)).Select(l => l.Split(',')).ToArray();
        Assert.Equal(["experiment", "run", "loss", "variant", "seed", "imbalance_ratio", "state", "epochs", "train_loss", "accuracy", "f1_macro"], csv[0][..11]);
        Assert.Equal(1 + 9, csv.Length);
        Assert.All(csv.Skip(1), row => Assert.Equal(
            (Finals(row[2], int.Parse(row[4], CultureInfo.InvariantCulture)), "completed", "E2"),
            (double.Parse(row[10], CultureInfo.InvariantCulture), row[6], row[0])));
    }

    [Fact]
    public void Should_ReportVariantsWithCalibrationImbalanceAndPairedTables_When_ThePlanNamesVariants()
    {
        // Given an E6-like comparison at imbalance 10 of three variants, two of them the improved loss, over three seeds
        using var dirFolder = new TempFolder("report-variants");
        var dir = dirFolder.Path;
        PlanVariant[] variants =
        [
            new("ce", "ce (β 1, γ 0)", new ImprovedLossOptions { Beta = 1, Gamma = 0 }),
            new("both", "both (β 4, γ 5)", new ImprovedLossOptions()),
            new("metric", "triplet", new TripletLossOptions()),
        ];
        var plan = ExperimentPlan.CompareVariants(SyntheticExperiment.Base with { ImbalanceRatio = 10 }, variants, 3, "both", ["ce", "both"], "variants") with { Experiment = "E6-ratio10" };
        plan.Save(dir);
        foreach (var run in plan.Runs)
        {
            SyntheticExperiment.WriteRun(dir, run, run.Values["variant"] == "both" ? ImprovedF1[run.Options.Seed] : ImprovedF1[run.Options.Seed] - 0.0625, recall: false);
        }

        // When the report is built
        var report = ReportBuilder.Build([dir], dir);
        var tables = report.Sections.Single().Tables.ToDictionary(t => t.Title);

        // Then the rows carry the variants' labels (two improved-loss variants apart), with ECE and NLL, n/a for triplet
        var main = tables["Final-epoch metrics per variant"];
        Assert.Equal(["variant", "seeds", "accuracy", "macro-F1", "NMI", "ECE", "NLL"], main.Headers);
        Assert.Equal(["ce (β 1, γ 0)", "both (β 4, γ 5)", "triplet"], main.Rows.Select(r => r[0]));
        Assert.Equal(["0.1333 ± 0.0000", "1.3333 ± 0.0000"], main.Rows[0].Skip(5));
        Assert.Equal(["n/a", "n/a"], main.Rows[2].Skip(5));

        // And the imbalance table gives the mean recall of the head (classes 0–2), middle (3–6) and tail (7–9) thirds:
        // recall_c = F1 + 0.1 − 0.02c, so F1 + 0.08, F1 + 0.01 and F1 − 0.06, with F1 0.625, 0.5625, 0.6875 for "both"
        var imbalance = tables["Class imbalance per variant (final epoch, balanced test set)"];
        Assert.Equal(["variant", "seeds", "macro-F1", "balanced accuracy", "head recall", "middle recall", "tail recall", "ECE"], imbalance.Headers);
        Assert.Equal(["both (β 4, γ 5)", "3", "0.6250 ± 0.0625", "0.6450 ± 0.0625", "0.7050 ± 0.0625", "0.6350 ± 0.0625", "0.5650 ± 0.0625", "0.1333 ± 0.0000"], imbalance.Rows[1]);
        Assert.Equal("n/a", imbalance.Rows[2][7]);

        // And one paired table per reference, each with the other variants: "both" is exactly 0.0625 above "ce"
        var againstCe = tables["Paired t-tests against ce (β 1, γ 0) (pairs share a seed)"];
        Assert.Equal(["both (β 4, γ 5)", "triplet"], againstCe.Rows.Select(r => r[0]));
        Assert.Equal(["+0.0625", "< 0.001"], againstCe.Rows[0].Skip(2).Take(2));
        Assert.Equal(["—", "—"], againstCe.Rows[1].Skip(6));
        Assert.Equal(["ce (β 1, γ 0)", "triplet"], tables["Paired t-tests against both (β 4, γ 5) (pairs share a seed)"].Rows.Select(r => r[0]));

        // And the reliability diagram has a panel for each variant with probabilities, and the verdict names "both"
        var figures = report.Sections.Single().Figures;
        Assert.Equal(2, new SvgFigure(figures.Single(f => f.Caption.StartsWith("Reliability diagrams, one panel per variant", StringComparison.Ordinal)).Files.SvgPath).DataAreas);
        Assert.Contains("both (β 4, γ 5)", report.Sections.Single().Verdict!.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_NameTheWinnerAndTheBaselinesItBeats_When_FiveSeedsGiveAKnownWinner()
    {
        // Given five seeds where improved beats ce by exactly 0.0625 every time, and triplet (0.59375 each time) by
        // +0.03125, −0.03125, +0.09375, +0.0625, 0: a mean of 0.03125 with t = 1.41 (not significant with 4 degrees of freedom)
        double[] improved = [0.625, 0.5625, 0.6875, 0.65625, 0.59375];
        using var dirFolder = new TempFolder("report-verdict");
        var dir = dirFolder.Path;
        SyntheticExperiment.WriteCompare(dir, ["improved", "ce", "triplet"], 5, (loss, seed) => loss switch
        {
            "improved" => improved[seed - 1],
            "ce" => improved[seed - 1] - 0.0625,
            _ => 0.59375,
        });

        // When the report is built
        ReportBuilder.Build([dir], dir);
        var md = File.ReadAllText(Path.Combine(dir, Report.MarkdownFileName));

        // Then the verdict stands first under the title: improved has the highest means (0.625 and 0.625 − 0.05, sd 0.0494
        // by numpy's std(ddof=1)), beats ce on both metrics and not triplet, with no caution at 5 seeds
        var verdict = md.Split('\n')[2];
        Assert.StartsWith("> **Verdict.** Highest mean macro-F1: improved, 0.6250 ± 0.0494; highest mean NMI: improved, 0.5750 ± 0.0494 (mean ± sd over 5 seeds).", verdict, StringComparison.Ordinal);
        Assert.Contains(
            "One-sided paired t-tests (improved better, p < 0.05, 5 pairs per baseline): improved beats ce on macro-F1 (p < 0.001) and on NMI (p < 0.001). It does not beat triplet on either metric.",
            verdict,
            StringComparison.Ordinal);
        Assert.Matches(@"\| triplet \| 5 \| \+0\.0312 \| 1\.41 \| 0\.1\d\d \|", md);
        Assert.DoesNotContain("Caution", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_GiveTheReferenceLossRankAndTies_When_ItIsNotFirst()
    {
        // Given ce and triplet equal on every seed, both above improved
        using var dirFolder = new TempFolder("report-verdict-rank");
        var dir = dirFolder.Path;
        SyntheticExperiment.WriteCompare(dir, ["improved", "ce", "triplet"], 2, (loss, seed) => loss == "improved" ? 0.5 + (0.0625 * seed) : 0.75);

        // When the report is built
        ReportBuilder.Build([dir], dir);
        var md = File.ReadAllText(Path.Combine(dir, Report.MarkdownFileName));

        // Then the verdict names both as equal, improved third of three (NMI 0.54375 − rounding in binary, printed 0.5437),
        // no baseline beaten, and a caution for 2 seeds
        Assert.Contains("Highest mean macro-F1: ce (0.7500 ± 0.0000) and triplet (0.7500 ± 0.0000), equal to 4 decimals;", md, StringComparison.Ordinal);
        Assert.Contains("The reference loss (improved): macro-F1 0.5938 ± 0.0442, 3rd of 3 by mean; NMI 0.5437 ± 0.0442, 3rd of 3 by mean.", md, StringComparison.Ordinal);
        Assert.Contains("improved beats none of the 2 baselines on either metric.", md, StringComparison.Ordinal);
        Assert.Contains("> *Caution:* 2 seeds per loss; with fewer than 5,", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_ShowTheSearchStepsChosenSettingAndFiguresPerValue_When_ReportingTheE1Search()
    {
        // Given the paper's search (one refinement round) on synthetic results peaking at beta = 4, gamma = 5
        using var dirFolder = new TempFolder("report-sweep");
        var dir = dirFolder.Path;
        var spec = new SweepSpec { Mode = SweepMode.Coordinate, Axes = Reproduction.PaperSearchAxes, RefineRounds = 1 };
        SyntheticExperiment.WriteSweep(dir, spec, (b, g) => 0.7 - (0.01 * Math.Abs(b - 4)) - (0.005 * Math.Abs(g - 5)), "E1");

        // When the report is built
        var report = ReportBuilder.Build([dir], dir);
        var md = File.ReadAllText(Path.Combine(dir, Report.MarkdownFileName));

        // Then it names the best setting beside the paper's, lists the steps, the winner on the test split, and the F1/NMI
        // curves for each beta (Figs. 1–2) and each gamma (Figs. 3–4)
        Assert.Contains("Best setting: beta=4, gamma=5", md, StringComparison.Ordinal);
        Assert.Contains("The paper found beta=4, gamma=5", md, StringComparison.Ordinal);
        Assert.Contains("**Search steps**", md, StringComparison.Ordinal);
        Assert.Contains("| beta ∈ {2, 3, 4, 5, 7, 10} (gamma=3) | beta=4, gamma=3 |", md, StringComparison.Ordinal);
        Assert.Contains("beta bisection round 1 (gamma=3)", md, StringComparison.Ordinal);
        Assert.Contains("**Chosen setting on the test split**", md, StringComparison.Ordinal);
        Assert.Contains("| beta=4, gamma=5 | 1 |", md, StringComparison.Ordinal);
        foreach (var figure in new[] { "Fig. 1", "Fig. 2", "Fig. 3", "Fig. 4" })
        {
            Assert.Contains($"cf. the paper's {figure})", md, StringComparison.Ordinal);
        }

        Assert.Contains("per epoch for each beta (gamma=3)", md, StringComparison.Ordinal);
        Assert.Contains("per epoch for each gamma (beta=4)", md, StringComparison.Ordinal);

        // And a verdict with the chosen setting's scores, the paper's setting and a caution for one seed per setting
        Assert.Matches(@"> \*\*Verdict\.\*\* Chosen setting: beta=4, gamma=5, with validation macro-F1 0\.7000, NMI 0\.6500, score 0\.6750: the highest score \(macro-F1 \+ NMI\)/2 of the \d+ settings tried\.", md);
        Assert.Contains("The paper chose the same setting (beta=4, gamma=5).", md, StringComparison.Ordinal);
        Assert.Contains("> *Caution:* 1 seed per setting;", md, StringComparison.Ordinal);

        // And figures that mark the chosen value and the paper's: in the legend of the curves per value, and as vertical lines
        var figures = report.Sections.SelectMany(s => s.Figures).ToArray();
        var betaCurves = new SvgFigure(figures.First(f => f.Caption.StartsWith("Macro-F1 on the validation split per epoch for each beta", StringComparison.Ordinal)).Files.SvgPath);
        Assert.Contains("beta=4 (chosen, paper)", betaCurves.Texts.Select(t => t.Text));
        Assert.Equal([1.0, 2.0, 3.0], betaCurves.BottomTickValues().Order());
        var betaFinal = figures.First(f => f.Caption.StartsWith("Final macro-F1 and NMI on the validation split against beta", StringComparison.Ordinal));
        Assert.Contains("vertical lines: the chosen value (solid) and the paper's value (dashed)", betaFinal.Caption, StringComparison.Ordinal);
        var finalTexts = new SvgFigure(betaFinal.Files.SvgPath).Texts.Select(t => t.Text).ToArray();
        Assert.Contains("chosen: beta=4", finalTexts);
        Assert.Contains("paper: beta=4", finalTexts);
        Assert.Contains("1 seed per point: no spread shown", finalTexts);
    }

    [Fact]
    public void Should_WriteTheSameMarkdown_When_TwoShardDirectoriesAreMergedOrOneHoldsEverything()
    {
        // Given one directory with every run, and the same experiment split over two shard directories
        using var wholeFolder = new TempFolder("report-whole");
        var whole = wholeFolder.Path;
        using var firstFolder = new TempFolder("report-shard1");
        var first = firstFolder.Path;
        using var secondFolder = new TempFolder("report-shard2");
        var second = secondFolder.Path;
        SyntheticExperiment.WriteCompare(whole, ["improved", "ce", "triplet"], 3, Finals, "E2");
        SyntheticExperiment.WriteCompare(first, ["improved", "ce", "triplet"], 3, Finals, "E2", keep: i => new Shard(1, 2).Contains(i));
        SyntheticExperiment.WriteCompare(second, ["improved", "ce", "triplet"], 3, Finals, "E2", keep: i => new Shard(2, 2).Contains(i));
        using var mergedFolder = new TempFolder("report-merged");
        var merged = mergedFolder.Path;
        using var singleFolder = new TempFolder("report-single");
        var single = singleFolder.Path;

        // When each is reported
        ReportBuilder.Build([first, second], merged);
        ReportBuilder.Build([whole], single);

        // Then the Markdown reports are identical
        Assert.Equal(File.ReadAllText(Path.Combine(single, Report.MarkdownFileName)), File.ReadAllText(Path.Combine(merged, Report.MarkdownFileName)));
    }

    [Fact]
    public void Should_ReportWhatIsDone_When_TheExperimentIsUnfinished()
    {
        // Given a comparison where only the first shard of three finished
        using var dirFolder = new TempFolder("report-partial");
        var dir = dirFolder.Path;
        SyntheticExperiment.WriteCompare(dir, ["improved", "ce"], 3, Finals, keep: i => new Shard(1, 3).Contains(i));

        // When the report is built
        ReportBuilder.Build([dir], dir);
        var md = File.ReadAllText(Path.Combine(dir, Report.MarkdownFileName));

        // Then it says how much is done, in the verdict too, and lists the missing runs as new
        Assert.Contains("2 of 6 run(s) completed.", md, StringComparison.Ordinal);
        Assert.Contains("No paired tests: improved has fewer than 2 completed seeds. 2 of 6 runs have completed; the others are not counted.", md, StringComparison.Ordinal);
        Assert.Contains("| loss=improved_seed=2 | new | 0/3 |", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_CompareByLoss_When_GivenPlainRunDirectories()
    {
        // Given two run folders of separate train commands, with different losses
        using var rootFolder = new TempFolder("report-plain");
        var root = rootFolder.Path;
        var plan = ExperimentPlan.Compare(SyntheticExperiment.Base, [new ImprovedLossOptions(), new CrossEntropyLossOptions()], 1);
        foreach (var run in plan.Runs)
        {
            SyntheticExperiment.WriteRun(root, run, Finals(run.Options.Loss, run.Options.Seed), recall: false);
        }

        // When the folder of runs is reported
        ReportBuilder.Build([Path.Combine(root, "runs")], root);
        var md = File.ReadAllText(Path.Combine(root, Report.MarkdownFileName));

        // Then the losses are compared
        Assert.Contains("Loss comparison of 2 runs", md, StringComparison.Ordinal);
        Assert.Contains("| improved | 1 |", md, StringComparison.Ordinal);
        Assert.Contains("| ce | 1 |", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_ReportEveryPartWithOneTable2_When_GivenAFolderOfExperiments()
    {
        // Given E4's two parts (CIFAR-100 for Table 1, Fashion-MNIST for Fig. 9) in sub-folders of one folder
        using var rootFolder = new TempFolder("report-e4");
        var root = rootFolder.Path;
        SyntheticExperiment.WriteCompare(Path.Combine(root, "table1-cifar100"), ["improved", "triplet"], 2, Finals, "E4-table1", options: SyntheticExperiment.Base with { Dataset = "cifar100" }, preset: "quick");
        SyntheticExperiment.WriteCompare(Path.Combine(root, "fig9-fashion-mnist"), ["improved", "triplet"], 2, Finals, "E4-fig9", preset: "quick");

        // When the folder is reported
        ReportBuilder.Build([root], root);
        var md = File.ReadAllText(Path.Combine(root, Report.MarkdownFileName));

        // Then both parts appear with the paper's figures of each, and Table 2 has a row per dataset
        Assert.StartsWith("# E4 (quick preset)", md, StringComparison.Ordinal);
        Assert.Contains("Table 1: final-epoch metrics per loss on CIFAR-100", md, StringComparison.Ordinal);
        Assert.Contains("0.632 (best)", md, StringComparison.Ordinal);
        Assert.Contains("cf. the paper's Fig. 9", md, StringComparison.Ordinal);
        Assert.Contains("| small-cnn | cifar100 |", md, StringComparison.Ordinal);
        Assert.Contains("| small-cnn | fashion-mnist |", md, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"!\[[^\]]*\]\(([^)]+\.png)\)")]
    private static partial Regex MarkdownImages();

    [GeneratedRegex("<img [^>]*src=\"([^\"]+)\"")]
    private static partial Regex ImageTags();
}
