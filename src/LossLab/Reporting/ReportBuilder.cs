using System.Globalization;
using LossLab.Evaluation;
using LossLab.Experiments;
using LossLab.Losses;
using LossLab.Runs;

namespace LossLab.Reporting;

/// <summary>
/// Builds a report from experiment and run directories (merging the shards of one experiment): for a loss
/// comparison a table in the shape of the paper's Table 1 with the paper's figures beside ours, paired t-tests
/// of the reference loss against each other, and F1, NMI and loss curves per epoch for each loss (the paper's
/// Figs. 6–9); for a sweep the search steps, the chosen setting and F1/NMI curves for each value (Figs. 1–4);
/// across comparisons, Recall@1 and Recall@8 per architecture and dataset (Table 2).
/// </summary>
public static class ReportBuilder
{
    private const string Dash = "—";

    /// <summary>Name of the figure folder inside the report's folder.</summary>
    public const string FiguresFolder = "figures";

    /// <summary>The CSV beside the report with one row per run: its experiment, arm, seed, state and final metrics.</summary>
    public const string FinalMetricsFileName = "final-metrics.csv";

    /// <summary>
    /// Reads <paramref name="directories"/>, writes <c>report.md</c>, <c>report.html</c>, <c>figures/</c> and
    /// <see cref="FinalMetricsFileName"/> into <paramref name="outputDirectory"/>.
    /// </summary>
    /// <param name="directories">Experiment directories (with <c>plan.json</c>), run directories, or folders of run directories.</param>
    /// <param name="outputDirectory">Where the report goes (created when missing).</param>
    /// <param name="title">Report heading; null takes the experiment's title.</param>
    /// <returns>The report written.</returns>
    public static Report Build(IReadOnlyList<string> directories, string outputDirectory, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(directories);
        ArgumentException.ThrowIfNullOrWhiteSpace(outputDirectory);
        var experiments = ExperimentRecord.Load(directories);
        var figures = Path.Combine(Path.GetFullPath(outputDirectory), FiguresFolder);
        var sections = new List<ReportSection>();
        for (var i = 0; i < experiments.Count; i++)
        {
            var experiment = experiments[i];
            var slug = $"{i + 1}-{(experiment.Plan.Experiment ?? experiment.Plan.Kind.ToString()).ToLowerInvariant()}";
            var figureBase = Path.Combine(figures, slug);
            sections.Add(experiment.Plan.Kind switch
            {
                ExperimentKind.Compare => CompareSection(experiment, figureBase),
                ExperimentKind.Sweep => SweepSection(experiment, figureBase),
                _ => RunsSection(experiment, figureBase),
            });
        }

        var table2 = Table2(experiments);
        if (table2 is not null)
        {
            sections.Add(new ReportSection("Recall@K per architecture and dataset (the paper's Table 2)", [], [table2], [], [], []));
        }

        // One experiment: its title heads the report and its section is just the results.
        if (experiments.Count == 1)
        {
            sections[0] = sections[0] with { Title = "Results" };
        }

        var report = new Report(title ?? ReportTitle(experiments), sections);
        report.Write(outputDirectory);
        WriteFinalMetrics(experiments, Path.Combine(outputDirectory, FinalMetricsFileName));
        return report;
    }

    /// <summary>
    /// One row per run: experiment, run id, loss, variant, seed, imbalance ratio, state, epochs trained, then the
    /// final epoch's <see cref="EpochMetrics.Columns"/> and each class's recall (empty cells where not computed or the
    /// run did not complete).
    /// </summary>
    private static void WriteFinalMetrics(IReadOnlyList<ExperimentRecord> experiments, string path)
    {
        var classes = experiments.SelectMany(e => e.Runs).Select(r => r.Final?.ClassRecall?.Count ?? 0).DefaultIfEmpty(0).Max();
        var header = new List<string> { "experiment", "run", "loss", "variant", "seed", "imbalance_ratio", "state", "epochs" };
        header.AddRange(EpochMetrics.Columns.Skip(1));
        header.AddRange(Enumerable.Range(0, classes).Select(c => FormattableString.Invariant($"recall_class_{c}")));
        var lines = new List<string> { string.Join(',', header) };
        foreach (var experiment in experiments)
        {
            var name = experiment.Plan.Experiment ?? (experiment.Directories.Count > 0 ? Path.GetFileName(Path.TrimEndingDirectorySeparator(experiment.Directories[0])) : "");
            foreach (var run in experiment.Runs)
            {
                var final = run.Final;
                var cells = new List<string>
                {
                    Csv(name),
                    Csv(run.Spec.Id),
                    Csv(run.Spec.Options.Loss),
                    Csv(run.Value("variant")),
                    RunDirectory.FormatCsv(run.Spec.Options.Seed),
                    RunDirectory.FormatCsv(run.Spec.Options.ImbalanceRatio),
                    EnumNames.Format(run.Status.State),
                    RunDirectory.FormatCsv(final?.Epoch),
                };
                cells.AddRange(final is null ? EpochMetrics.Columns.Skip(1).Select(_ => "") : final.Values().Skip(1).Select(RunDirectory.FormatCsv));
                cells.AddRange(Enumerable.Range(0, classes).Select(c => RunDirectory.FormatCsv(final?.ClassRecall is { } recall && c < recall.Count ? recall[c] : null)));
                lines.Add(string.Join(',', cells));
            }
        }

        File.WriteAllLines(path, lines);

        static string Csv(string text) => text.IndexOfAny([',', '"', '\n']) < 0 ? text : $"\"{text.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
    }

    private static string ReportTitle(IReadOnlyList<ExperimentRecord> experiments)
    {
        if (experiments.Count == 1)
        {
            return experiments[0].Plan.Title;
        }

        // The parts of one reproduction (E4's CIFAR-100 and Fashion-MNIST) share the experiment and preset.
        var ids = experiments.Select(e => (e.Plan.Experiment?.Split('-')[0], e.Plan.Preset)).Distinct().ToArray();
        return ids is [{ Item1: { } id, Item2: { } preset }] ? $"{id} ({preset} preset)" : "LossLab report";
    }

    private static ReportSection CompareSection(ExperimentRecord experiment, string figureBase)
    {
        var plan = experiment.Plan;
        var paper = plan.Experiment;
        var variants = plan.Variants.Count > 0;
        var arm = variants ? "variant" : "loss";

        // One group per loss, or per variant when the plan names them; a group's label is what tables and legends print.
        var byLoss = variants
            ? plan.Variants
                .Select(v => (Loss: v.Label, Runs: experiment.Runs.Where(r => r.Completed && r.Value("variant") == v.Name).ToArray()))
                .ToArray()
            : plan.Losses
                .Select(l => (Loss: l, Runs: experiment.Runs.Where(r => r.Completed && string.Equals(r.Spec.Options.Loss, l, StringComparison.OrdinalIgnoreCase)).ToArray()))
                .ToArray();
        var paragraphs = new List<string>
        {
            Setting(experiment),
            variants
                ? $"Variants: {string.Join("; ", plan.Variants.Select(v => $"{v.Label} = {Describe(v)}"))}. {plan.Seeds} seed(s) each (seeds {plan.Base.Seed}–{plan.Base.Seed + plan.Seeds - 1}), the same seeds for every variant. Metrics after the last epoch, mean ± sample standard deviation over seeds."
                : $"Losses: {string.Join(", ", plan.Losses)}; {plan.Seeds} seed(s) each (seeds {plan.Base.Seed}–{plan.Base.Seed + plan.Seeds - 1}), the same seeds for every loss. Metrics after the last epoch, mean ± sample standard deviation over seeds.",
            Completion(experiment),
        };
        var paperColumns = paper is not null && !variants;
        if (paperColumns && PaperFigures.Settings.TryGetValue(paper!, out var paperSetting))
        {
            paragraphs.Add($"Paper columns: what the paper reports for {paperSetting}; ours use the settings above.");
        }

        var embedding = byLoss.Any(g => g.Runs.Any(r => r.Final!.RecallAt1 is not null));
        var headers = new List<string> { arm, "seeds", "accuracy", "macro-F1", "NMI" };
        if (embedding)
        {
            headers.AddRange(["k-means NMI", "Recall@1", "Recall@8"]);
        }

        if (paperColumns)
        {
            headers.AddRange(["paper F1", "paper NMI", "paper Recall@1"]);
        }

        if (variants)
        {
            headers.AddRange(["ECE", "NLL"]);
        }

        var rows = new List<IReadOnlyList<string>>();
        foreach (var (loss, runs) in byLoss)
        {
            var finals = runs.Select(r => r.Final!).ToArray();
            var row = new List<string>
            {
                loss,
                finals.Length.ToString(CultureInfo.InvariantCulture),
                MeanSd(finals.Select(m => m.Accuracy)),
                MeanSd(finals.Select(m => m.F1Macro)),
                MeanSd(finals.Select(m => m.Nmi)),
            };
            if (embedding)
            {
                row.AddRange([MeanSd(finals.Select(m => m.KmeansNmi)), MeanSd(finals.Select(m => m.RecallAt1)), MeanSd(finals.Select(m => m.RecallAt8))]);
            }

            if (paperColumns)
            {
                row.AddRange(new[] { "f1", "nmi", "recall@1" }.Select(metric => PaperFigures.Find(paper!, loss, metric)?.Text ?? Dash));
            }

            if (variants)
            {
                var served = finals.Length == 0 || finals.Any(f => f.Ece is not null);
                row.AddRange([served ? MeanSd(finals.Select(m => m.Ece)) : "n/a", served ? MeanSd(finals.Select(m => m.Nll)) : "n/a"]);
            }

            rows.Add(row);
        }

        var tableTitle = paper == "E4-table1"
            ? "Table 1: final-epoch metrics per loss on CIFAR-100"
            : variants ? "Final-epoch metrics per variant" : "Final-epoch metrics per loss (the shape of the paper's Table 1)";
        var tables = new List<ReportTable> { new(tableTitle, headers, rows) };
        tables.Add(CalibrationTable(arm, byLoss));
        if (plan.Base.ImbalanceRatio is > 1)
        {
            tables.Add(ImbalanceTable(arm, byLoss));
        }

        var referenceLabel = variants
            ? plan.Variants.FirstOrDefault(v => v.Name == plan.ReferenceLoss)?.Label ?? plan.ReferenceLoss
            : plan.Losses.FirstOrDefault(l => string.Equals(l, plan.ReferenceLoss, StringComparison.OrdinalIgnoreCase)) ?? plan.ReferenceLoss;
        var comparisons = PairedComparisons(referenceLabel, byLoss);
        if (variants)
        {
            foreach (var against in plan.PairedAgainst.Select(n => plan.Variants.First(v => v.Name == n).Label))
            {
                tables.Add(VariantPairedTable(against, byLoss));
            }
        }
        else if (comparisons is not null)
        {
            tables.Add(PairedTable(referenceLabel, comparisons));
        }

        var figures = new List<ReportFigure>();

        // A loss keeps its colour (its place in the plan) in every figure, including when another has no runs yet.
        var curves = byLoss.Select((g, i) => (g.Loss, g.Runs, Color: i)).Where(g => g.Runs.Length > 0).ToArray();
        if (curves.Length > 0)
        {
            var (f1Figure, nmiFigure) = paper switch
            {
                "E2" => (" (cf. the paper's Fig. 6)", " (cf. the paper's Fig. 7)"),
                "E3" => (" (cf. the paper's Fig. 8)", " (cf. the paper's Fig. 8)"),
                "E4-fig9" => (" (cf. the paper's Fig. 9)", " (cf. the paper's Fig. 9)"),
                _ => ("", ""),
            };
            var split = EvaluatedSplit(curves.SelectMany(g => g.Runs));
            var note = SpreadNote(curves.Select(g => g.Runs.Length), "seed");
            figures.Add(Lines(figureBase + "-f1", $"Macro-F1 on the {split} split per epoch for each {arm}, mean over seeds with ±1 sd shaded{f1Figure}", "macro-F1", curves.Select(g => MeanCurve(g.Loss, g.Runs, m => m.F1Macro, g.Color)), note));
            figures.Add(Lines(figureBase + "-nmi", $"NMI on the {split} split per epoch for each {arm}, mean over seeds with ±1 sd shaded{nmiFigure}", "NMI", curves.Select(g => MeanCurve(g.Loss, g.Runs, m => m.Nmi, g.Color)), note));
            var calibrated = curves.Where(g => g.Runs.Any(r => r.History.Any(m => m.Ece is not null))).ToArray();
            if (calibrated.Length > 0)
            {
                figures.Add(Lines(figureBase + "-ece", $"Expected calibration error on the {split} split per epoch for each {arm} that serves probabilities, mean over seeds with ±1 sd shaded (lower is better)", "ECE", calibrated.Select(g => MeanCurve(g.Loss, g.Runs, m => m.Ece ?? double.NaN, g.Color)), note));
            }

            figures.Add(Panels(figureBase + "-loss", $"Training loss per epoch, one panel per {arm}, each on its own y scale (mean over seeds, ±1 sd shaded)", "training loss", curves.Select(g => MeanCurve(g.Loss, g.Runs, m => m.TrainLoss, g.Color)), note));
            var bars = new[] { ("macro-F1", (Func<EpochMetrics, double>)(m => m.F1Macro)), ("NMI", m => m.Nmi) }
                .Select(s => new BarSeries(s.Item1, curves.Select(g => Bar(g.Loss, g.Runs.Select(r => s.Item2(r.Final!)).ToArray())).ToArray()))
                .ToArray();
            figures.Add(new ReportFigure(
                $"Final macro-F1 and NMI for each {arm}, mean ± standard deviation over seeds",
                PlotWriter.SaveBars(figureBase + "-final", "", arm, "score", bars)));
            var reliability = curves.Select(g => Pooled(g.Loss, g.Runs)).OfType<ReliabilityBins>().ToArray();
            if (reliability.Length > 0)
            {
                var without = curves.Where(g => Pooled(g.Loss, g.Runs) is null).Select(g => g.Loss).ToArray();
                figures.Add(new ReportFigure(
                    $"Reliability diagrams, one panel per {arm}: the final-epoch {split} predictions of all seeds pooled into {CalibrationMetricsBins} equal-width bins of the top-1 confidence (softmax of the logits times the loss's serving scale). Each panel's ECE is that of the pooled predictions, not the mean of the seeds' ECEs in the calibration table."
                        + (without.Length > 0 ? $" No panel for {string.Join(", ", without)}: no class probabilities." : ""),
                    PlotWriter.SaveReliability(figureBase + "-reliability", reliability, ReliabilityStyle(reliability))));
            }
        }

        var verdict = VerdictWriter.Comparison(
            referenceLabel,
            byLoss.Select(g => (g.Loss, g.Runs.Select(r => r.Final!.F1Macro).ToArray(), g.Runs.Select(r => r.Final!.Nmi).ToArray())).ToArray(),
            comparisons,
            experiment.Runs.Count(r => r.Completed),
            experiment.Runs.Count);
        return new ReportSection(plan.Title, paragraphs, tables, figures, [RunsTable(experiment)], Details(experiment)) { Verdict = verdict };
    }

    private const int CalibrationMetricsBins = Metrics.CalibrationMetrics.DefaultBins;

    /// <summary>Wide enough for every panel's title ("label (ECE 0.123, n = 12345)") on one line beside the others.</summary>
    private static PlotStyle ReliabilityStyle(IReadOnlyList<ReliabilityBins> panels)
    {
        // PlotWriter's grid: up to 4 panels a row, rows filled evenly.
        var rows = (panels.Count + 3) / 4;
        var columns = (panels.Count + rows - 1) / rows;
        var title = panels.Max(p => p.Name.Length) + 26;
        return PlotStyle.Default with { Width = Math.Clamp(columns * title * 9, PlotStyle.Default.Width, 2400), Height = 420 };
    }

    private static string Describe(PlanVariant variant)
    {
        var definition = Losses.LossRegistry.Of(variant.LossOptions);
        var options = definition.Options
            .Select(o => (o.Key, Value: o.Format(variant.LossOptions)))
            .Where(o => o.Value is not null)
            .Select(o => $"{o.Key} {o.Value}");
        return $"--loss {definition.Name}" + string.Concat(options.Select(o => $" --{o}"));
    }

    /// <summary>ECE, NLL and Brier per loss or variant, "n/a" for those that serve no class probabilities.</summary>
    private static ReportTable CalibrationTable(string arm, (string Loss, RunRecord[] Runs)[] groups)
    {
        var rows = groups.Select(g =>
        {
            var finals = g.Runs.Select(r => r.Final!).ToArray();
            var served = finals.Any(f => f.Ece is not null);
            string Cell(Func<EpochMetrics, double?> metric) => finals.Length == 0 ? Dash : served ? MeanSd(finals.Select(metric)) : "n/a";
            return (IReadOnlyList<string>)[g.Loss, finals.Length.ToString(CultureInfo.InvariantCulture), Cell(m => m.Ece), Cell(m => m.Nll), Cell(m => m.Brier)];
        }).ToArray();
        return new ReportTable(
            $"Calibration per {arm} (final epoch)",
            [arm, "seeds", "ECE", "NLL", "Brier"],
            rows,
            $"On the probabilities the model serves: softmax(β·z) for the improved loss, softmax(z) for ce, focal and logit-adjusted ce (plain logits at test time). ECE over {CalibrationMetricsBins} equal-width bins of the top-1 confidence; lower is better for all three. n/a: the {arm} predicts by nearest class mean and gives no probabilities.");
    }

    /// <summary>Macro-F1, balanced accuracy, recall of the head, middle and tail thirds of the classes, and ECE.</summary>
    private static ReportTable ImbalanceTable(string arm, (string Loss, RunRecord[] Runs)[] groups)
    {
        var rows = groups.Select(g =>
        {
            var finals = g.Runs.Select(r => r.Final!).ToArray();
            var thirds = g.Runs
                .Where(r => r.Config?.TrainClassCounts is { Count: >= 3 } && r.Final!.ClassRecall is not null && r.Final.ClassRecall.Count == r.Config.TrainClassCounts.Count)
                .Select(r => FrequencyThirds.MeanRecall(r.Config!.TrainClassCounts!, r.Final!.ClassRecall!))
                .ToArray();
            string Third(Func<(double Head, double Middle, double Tail), double> part) => thirds.Length == 0 ? Dash : MeanSd(thirds.Select(part));
            return (IReadOnlyList<string>)
            [
                g.Loss, finals.Length.ToString(CultureInfo.InvariantCulture), MeanSd(finals.Select(m => m.F1Macro)), MeanSd(finals.Select(m => m.BalancedAccuracy)),
                Third(t => t.Head), Third(t => t.Middle), Third(t => t.Tail),
                finals.Length == 0 ? Dash : finals.Any(f => f.Ece is not null) ? MeanSd(finals.Select(m => m.Ece)) : "n/a",
            ];
        }).ToArray();
        return new ReportTable(
            $"Class imbalance per {arm} (final epoch, balanced test set)",
            [arm, "seeds", "macro-F1", "balanced accuracy", "head recall", "middle recall", "tail recall", "ECE"],
            rows,
            "Head, middle, tail: the classes ordered by training images, most first, split into thirds (⌊C/3⌋ head, ⌊C/3⌋ tail, the rest middle); each cell is the mean recall of its classes, then mean ± sd over seeds.");
    }

    /// <summary>Paired t-tests of every other variant against <paramref name="against"/>: differences and two-sided p-values.</summary>
    private static ReportTable VariantPairedTable(string against, (string Loss, RunRecord[] Runs)[] groups)
    {
        var reference = groups.First(g => g.Loss == against).Runs;
        var rows = new List<IReadOnlyList<string>>();
        foreach (var (label, runs) in groups.Where(g => g.Loss != against))
        {
            var pairs = runs.Join(reference, r => r.Spec.Options.Seed, b => b.Spec.Options.Seed, (r, b) => (Variant: r.Final!, Reference: b.Final!)).ToArray();
            var row = new List<string> { label, pairs.Length.ToString(CultureInfo.InvariantCulture) };
            foreach (var metric in new Func<EpochMetrics, double?>[] { m => m.F1Macro, m => m.Nmi, m => m.Ece })
            {
                var both = pairs.Where(p => metric(p.Variant) is not null && metric(p.Reference) is not null).ToArray();
                if (both.Length < 2)
                {
                    row.AddRange([Dash, Dash]);
                    continue;
                }

                var test = Statistics.PairedTTest(both.Select(p => metric(p.Variant)!.Value).ToArray(), both.Select(p => metric(p.Reference)!.Value).ToArray());
                row.AddRange([Signed(test.MeanDifference), PValue(test.PValueTwoSided)]);
            }

            rows.Add(row);
        }

        return new ReportTable(
            $"Paired t-tests against {against} (pairs share a seed)",
            ["variant", "pairs", "ΔF1", "p (F1)", "ΔNMI", "p (NMI)", "ΔECE", "p (ECE)"],
            rows,
            $"Δ = variant − {against}, mean over pairs of final-epoch values; p two-sided with n − 1 degrees of freedom. Lower ECE is better, so a negative ΔECE means better calibrated. With few seeds only large, consistent differences reach p < 0.05.");
    }

    /// <summary>The final-epoch calibration bins of the runs pooled into one reliability diagram panel; null when none has bins.</summary>
    private static ReliabilityBins? Pooled(string name, IReadOnlyList<RunRecord> runs)
    {
        var binned = runs.Select(r => r.Final?.CalibrationBins).OfType<IReadOnlyList<Metrics.CalibrationBin>>().Where(b => b.Count > 0).ToArray();
        if (binned.Length == 0 || binned.Any(b => b.Count != binned[0].Count))
        {
            return null;
        }

        var count = binned[0].Count;
        var counts = new long[count];
        var confidence = new double[count];
        var accuracy = new double[count];
        for (var k = 0; k < count; k++)
        {
            counts[k] = binned.Sum(b => b[k].Count);
            confidence[k] = counts[k] > 0 ? binned.Sum(b => b[k].Count * b[k].MeanConfidence) / counts[k] : double.NaN;
            accuracy[k] = counts[k] > 0 ? binned.Sum(b => b[k].Count * b[k].Accuracy) / counts[k] : double.NaN;
        }

        return counts.Sum() > 0 ? new ReliabilityBins(name, confidence, accuracy, counts) : null;
    }

    private static IReadOnlyList<PairedComparison>? PairedComparisons(string referenceLoss, (string Loss, RunRecord[] Runs)[] byLoss)
    {
        var reference = byLoss.FirstOrDefault(g => g.Loss == referenceLoss);
        if (reference.Runs is null || reference.Runs.Length < 2)
        {
            return null;
        }

        var comparisons = new List<PairedComparison>();
        foreach (var (loss, runs) in byLoss.Where(g => g.Loss != referenceLoss))
        {
            // Pairs share a seed: the same initialisation and batch order apart from what the loss changes.
            var pairs = reference.Runs
                .Join(runs, r => r.Spec.Options.Seed, b => b.Spec.Options.Seed, (r, b) => (Reference: r.Final!, Other: b.Final!))
                .ToArray();
            comparisons.Add(pairs.Length < 2
                ? new PairedComparison(loss, pairs.Length, null, null)
                : new PairedComparison(
                    loss,
                    pairs.Length,
                    Statistics.PairedTTest(pairs.Select(p => p.Reference.F1Macro).ToArray(), pairs.Select(p => p.Other.F1Macro).ToArray()),
                    Statistics.PairedTTest(pairs.Select(p => p.Reference.Nmi).ToArray(), pairs.Select(p => p.Other.Nmi).ToArray())));
        }

        return comparisons;
    }

    private static ReportTable PairedTable(string reference, IReadOnlyList<PairedComparison> comparisons)
    {
        var rows = comparisons.Select(c => (IReadOnlyList<string>)(c is { F1: { } f1, Nmi: { } nmi }
            ?
            [
                c.Baseline, c.Pairs.ToString(CultureInfo.InvariantCulture),
                Signed(f1.MeanDifference), Number(f1.T, "F2"), PValue(f1.PValueGreater),
                Signed(nmi.MeanDifference), Number(nmi.T, "F2"), PValue(nmi.PValueGreater),
            ]
            : [c.Baseline, c.Pairs.ToString(CultureInfo.InvariantCulture), Dash, Dash, Dash, Dash, Dash, Dash])).ToArray();
        return new ReportTable(
            $"Paired t-tests: does {reference} beat each other loss? (pairs share a seed)",
            ["baseline", "pairs", "ΔF1", "t", "p (F1)", "ΔNMI", "t", "p (NMI)"],
            rows,
            $"Δ = {reference} − baseline, mean over pairs of final-epoch values; p = P(T ≥ t) with n − 1 degrees of freedom, one-sided ({reference} better). With few seeds only large, consistent differences reach p < 0.05.");
    }

    private static ReportSection SweepSection(ExperimentRecord experiment, string figureBase)
    {
        var plan = experiment.Plan;
        var spec = plan.Sweep!;
        var state = experiment.SweepState!;
        var axes = spec.Axes;
        var paragraphs = new List<string>
        {
            Setting(experiment),
            spec.Mode == SweepMode.Grid
                ? $"Grid over {string.Join(" × ", axes.Select(a => $"{a.Key} ∈ {{{string.Join(", ", a.Values)}}}"))}; {spec.Seeds} seed(s) per setting."
                : $"Coordinate search as in the paper: {string.Join("; then ", axes.Select(DescribeAxis))}. Each option is searched with the earlier ones at their best and the later ones at their first value; {spec.Seeds} seed(s) per setting.",
            "Score = (macro-F1 + NMI) / 2 after the last epoch, mean over seeds; the paper chose the values that maximised both.",
            spec.SelectOn == "val"
                ? string.Create(CultureInfo.InvariantCulture, $"Selected on a validation split: {spec.ValidationFraction * 100:0.#}% of the training set held out (class-balanced, the same images for every run); the chosen setting was then trained again without holding anything out and evaluated on the test split.")
                : "Selected on the test split, as the paper did: the chosen setting's test figures are optimistic, since they also made the choice.",
            Completion(experiment),
        };
        if (state.Best is { } best)
        {
            paragraphs.Add($"Best setting: {Describe(best)} (score {Number(state.BestScore ?? double.NaN, "F4")} on the {(spec.SelectOn == "val" ? "validation" : "test")} split).");
        }
        else if (state.Steps.Count > 0)
        {
            paragraphs.Add($"In progress: step \"{state.Steps[^1].Title}\" has {state.Pending.Count} run(s) pending.");
        }

        if (plan.Experiment == "E1")
        {
            paragraphs.Add($"The paper found {Describe(PaperFigures.BestSetting)} ({PaperFigures.Settings["E1"]}).");
        }

        var steps = new List<IReadOnlyList<string>>();
        foreach (var step in state.Steps)
        {
            foreach (var candidate in step.Candidates)
            {
                var chosen = step.Chosen is not null && SameSetting(step.Chosen, candidate.Setting);
                steps.Add(
                [
                    step.Title, Describe(candidate.Setting), Optional(candidate.F1), Optional(candidate.Nmi),
                    candidate.Score is { } s ? (double.IsNegativeInfinity(s) ? "diverged" : Number(s, "F4")) : "pending",
                    chosen ? "best so far" : "",
                ]);
            }
        }

        var tables = new List<ReportTable>
        {
            new("Search steps", ["step", "setting", "macro-F1", "NMI", "score", ""], steps,
                spec.SelectOn == "val" ? "Scores on the validation split." : "Scores on the test split."),
        };
        var chosenRuns = state.Best is null
            ? []
            : spec.SelectOn == "val"
                ? state.FinalRuns.Select(r => experiment.Runs.First(x => x.Spec.Id == r.Id)).Where(r => r.Completed).ToArray()
                : experiment.Runs.Where(r => r.Completed && !IsFinal(r) && SameSetting(Setting(r, axes), state.Best)).ToArray();
        if (chosenRuns.Length > 0)
        {
            var finals = chosenRuns.Select(r => r.Final!).ToArray();
            tables.Add(new ReportTable(
                "Chosen setting on the test split",
                ["setting", "seeds", "accuracy", "macro-F1", "NMI", "paper setting"],
                [[Describe(state.Best!), finals.Length.ToString(CultureInfo.InvariantCulture), MeanSd(finals.Select(m => m.Accuracy)), MeanSd(finals.Select(m => m.F1Macro)), MeanSd(finals.Select(m => m.Nmi)),
                  plan.Experiment == "E1" ? Describe(PaperFigures.BestSetting) : Dash]]));
        }

        var figures = new List<ReportFigure>();
        var searched = experiment.Runs.Where(r => r.Completed && !IsFinal(r)).ToArray();
        var split = spec.SelectOn == "val" ? "validation" : "test";
        var paperSetting = plan.Experiment == "E1" ? PaperFigures.BestSetting : null;
        foreach (var axis in axes)
        {
            var others = axes.Where(a => a.Key != axis.Key).Select(a => a.Key).ToArray();
            var groups = searched.GroupBy(r => string.Join(", ", others.Select(k => $"{k}={r.Value(k)}"))).Take(6).ToArray();
            var first = true;
            foreach (var group in groups)
            {
                var values = group.Select(r => r.Value(axis.Key)).Distinct().ToArray();
                if (values.Length < 2)
                {
                    continue;
                }

                values = OptionKeys.IsNumeric(axis.Key) ? [.. values.OrderBy(v => double.Parse(v, CultureInfo.InvariantCulture))] : values;
                var context = group.Key.Length > 0 ? $" ({group.Key})" : "";
                var name = $"{figureBase}-{Clean(axis.Key)}-{Clean(group.Key)}";
                var chosenValue = state.Best is { } chosenSetting && chosenSetting.TryGetValue(axis.Key, out var c) ? c : null;
                var paperValue = paperSetting is not null && paperSetting.TryGetValue(axis.Key, out var p) ? p : null;
                var byValue = values.Select(v => (Label: ValueLabel(axis.Key, v, chosenValue, paperValue), Runs: group.Where(r => r.Value(axis.Key) == v).ToArray())).ToArray();
                var note = SpreadNote(byValue.Select(g => g.Runs.Length), "seed");
                var (f1Figure, nmiFigure) = plan.Experiment == "E1" && first
                    ? axis.Key switch
                    {
                        "beta" => (" (cf. the paper's Fig. 1)", " (cf. the paper's Fig. 2)"),
                        "gamma" => (" (cf. the paper's Fig. 3)", " (cf. the paper's Fig. 4)"),
                        _ => ("", ""),
                    }
                    : ("", "");
                first = false;
                figures.Add(Lines(name + "-f1", $"Macro-F1 on the {split} split per epoch for each {axis.Key}{context}{f1Figure}", "macro-F1", byValue.Select((g, i) => MeanCurve(g.Label, g.Runs, m => m.F1Macro, i)), note));
                figures.Add(Lines(name + "-nmi", $"NMI on the {split} split per epoch for each {axis.Key}{context}{nmiFigure}", "NMI", byValue.Select((g, i) => MeanCurve(g.Label, g.Runs, m => m.Nmi, i)), note));
                figures.Add(Lines(name + "-loss", $"Training loss per epoch for each {axis.Key}{context}", "training loss", byValue.Select((g, i) => MeanCurve(g.Label, g.Runs, m => m.TrainLoss, i)), note));
                if (OptionKeys.IsNumeric(axis.Key))
                {
                    var x = values.Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
                    // A value with one run gets a band of no width; the note says so.
                    var spread = byValue.Any(g => g.Runs.Length > 1);
                    Series Final(string label, Func<EpochMetrics, double> metric) =>
                        new(label, x, byValue.Select(g => Statistics.Mean(g.Runs.Select(r => metric(r.Final!)).ToArray())).ToArray())
                        {
                            Spread = spread ? byValue.Select(g => g.Runs.Length > 1 ? Statistics.SampleStd(g.Runs.Select(r => metric(r.Final!)).ToArray()) : 0).ToArray() : null,
                        };
                    var markers = new List<XMarker>();
                    if (chosenValue is not null)
                    {
                        markers.Add(new XMarker($"chosen: {axis.Key}={chosenValue}", double.Parse(chosenValue, CultureInfo.InvariantCulture)));
                    }

                    if (paperValue is not null)
                    {
                        markers.Add(new XMarker($"paper: {axis.Key}={paperValue}", double.Parse(paperValue, CultureInfo.InvariantCulture), Dashed: true));
                    }

                    var marked = markers.Count == 0 ? "" : $"; vertical lines: {string.Join(" and ", markers.Select(m => m.Dashed ? "the paper's value (dashed)" : "the chosen value (solid)"))}";
                    figures.Add(new ReportFigure(
                        $"Final macro-F1 and NMI on the {split} split against {axis.Key}{context}, mean over seeds{marked}",
                        PlotWriter.SaveLines(
                            name + "-final",
                            "",
                            axis.Key,
                            "score",
                            [Final("macro-F1", m => m.F1Macro), Final("NMI", m => m.Nmi)],
                            options: new LineChartOptions { BandNote = SpreadNote(byValue.Select(g => g.Runs.Length), "seed", "point"), XMarkers = markers })));
                }
            }
        }

        var verdict = VerdictWriter.Sweep(spec, state, chosenRuns.Select(r => r.Final!).ToArray(), paperSetting);
        return new ReportSection(plan.Title, paragraphs, tables, figures, [RunsTable(experiment)], Details(experiment)) { Verdict = verdict };
    }

    private static ReportSection RunsSection(ExperimentRecord experiment, string figureBase)
    {
        var completed = experiment.Runs.Where(r => r.Completed).ToArray();
        var varied = experiment.Plan.Varied;
        var figures = new List<ReportFigure>();
        if (completed.Length > 0)
        {
            string Label(RunRecord r) => varied.Count > 0 ? string.Join(", ", varied.Select(k => $"{k}={r.Value(k)}")) : r.Spec.Id;
            var split = EvaluatedSplit(completed);
            figures.Add(Lines(figureBase + "-f1", $"Macro-F1 on the {split} split per epoch for each run", "macro-F1", completed.Select(r => MeanCurve(Label(r), [r], m => m.F1Macro)), null));
            figures.Add(Lines(figureBase + "-nmi", $"NMI on the {split} split per epoch for each run", "NMI", completed.Select(r => MeanCurve(Label(r), [r], m => m.Nmi)), null));
            figures.Add(Lines(figureBase + "-loss", "Training loss per epoch for each run", "training loss", completed.Select(r => MeanCurve(Label(r), [r], m => m.TrainLoss)), null));
        }

        var verdict = VerdictWriter.Runs(completed.Select(r => (varied.Count > 0 ? string.Join(", ", varied.Select(k => $"{k}={r.Value(k)}")) : r.Spec.Id, r.Final!)).ToArray(), experiment.Runs.Count);
        return new ReportSection(experiment.Plan.Title, [Setting(experiment), Completion(experiment)], [], figures, [RunsTable(experiment)], Details(experiment)) { Verdict = verdict };
    }

    private static ReportTable? Table2(IReadOnlyList<ExperimentRecord> experiments)
    {
        var groups = experiments
            .Where(e => e.Plan.Kind == ExperimentKind.Compare)
            .SelectMany(e => e.Runs.Where(r => r.Completed && r.Final!.RecallAt1 is not null))
            .GroupBy(r => (r.Spec.Options.Model, r.Spec.Options.Dataset))
            .ToArray();
        if (groups.Length == 0)
        {
            return null;
        }

        var losses = groups.SelectMany(g => g.Select(r => r.Spec.Options.Loss)).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        var rows = groups.Select(g => (IReadOnlyList<string>)
        [
            g.Key.Model, g.Key.Dataset,
            .. losses.Select(l =>
            {
                var finals = g.Where(r => string.Equals(r.Spec.Options.Loss, l, StringComparison.OrdinalIgnoreCase)).Select(r => r.Final!).ToArray();
                return finals.Length == 0 ? Dash : $"{Number(finals.Average(m => m.RecallAt1 ?? double.NaN), "F3")} / {Number(finals.Average(m => m.RecallAt8 ?? double.NaN), "F3")}";
            }),
        ]).ToArray();
        return new ReportTable(
            "Table 2: Recall@1 / Recall@8 per architecture and dataset (mean over seeds)",
            ["model", "dataset", .. losses],
            rows,
            $"The paper: {PaperFigures.Table2Finding}.");
    }

    private static ReportTable RunsTable(ExperimentRecord experiment)
    {
        var rows = experiment.Runs.Select(r => (IReadOnlyList<string>)
        [
            r.Spec.Id,
            r.Status.State.ToString().ToLowerInvariant(),
            r.History.Count.ToString(CultureInfo.InvariantCulture) + "/" + r.Spec.Options.Epochs.ToString(CultureInfo.InvariantCulture),
            r.Final is { } f ? Number(f.F1Macro, "F4") : Dash,
            r.Final is { } n ? Number(n.Nmi, "F4") : Dash,
        ]).ToArray();
        return new ReportTable("Runs", ["run", "state", "epochs", "macro-F1", "NMI"], rows);
    }

    private static string Setting(ExperimentRecord experiment)
    {
        var o = experiment.Plan.Base;
        var config = experiment.Runs.FirstOrDefault(r => r.Config is not null)?.Config;
        var images = config is null ? "" : $": {config.TrainImages} training / {config.TestImages} {(config.Options.ValidationFraction > 0 ? "validation" : "test")} images";
        var limits = o.TrainLimit is null && o.TestLimit is null ? "" : $" (limits: {o.TrainLimit?.ToString(CultureInfo.InvariantCulture) ?? "all"} train, {o.TestLimit?.ToString(CultureInfo.InvariantCulture) ?? "all"} test)";
        var preset = experiment.Plan.Preset is { } p ? $" Preset: {p}." : "";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"{o.Model} on {o.Dataset}{images}{limits}; {o.Epochs} epoch(s), batch {o.BatchSize}, {o.Optimizer} lr {o.LearningRate:G4}, weight decay {o.WeightDecay:G4}, embedding {o.EmbeddingDim}.{preset}");
    }

    private static string Completion(ExperimentRecord experiment)
    {
        var runs = experiment.Runs;
        var done = runs.Count(r => r.Completed);
        var failed = runs.Where(r => r.Status.State == RunState.Failed).Select(r => r.Spec.Id).ToArray();
        var text = $"{done} of {runs.Count} run(s) completed.";
        if (failed.Length > 0)
        {
            text += $" Diverged: {string.Join(", ", failed)}.";
        }

        return text;
    }

    private static IReadOnlyList<string> Details(ExperimentRecord experiment)
    {
        var summaries = experiment.Runs.Where(r => r.Completed).Select(r => r.Status.Summary!).ToArray();
        var details = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"Compute: {summaries.Sum(s => s.WallSeconds):F0} s of run wall time over {summaries.Length} completed run(s); generated {DateTime.Now:yyyy-MM-dd HH:mm}."),
        };
        if (experiment.Directories.Count > 0)
        {
            details.Add($"Read from: {string.Join(", ", experiment.Directories)}.");
        }

        return details;
    }

    /// <summary>Per-epoch curves on one axis: integer epoch ticks, the bands explained by <paramref name="note"/>.</summary>
    private static ReportFigure Lines(string path, string caption, string yLabel, IEnumerable<Series?> series, string? note)
    {
        var drawn = series.OfType<Series>().ToArray();
        if (drawn.Length == 0)
        {
            drawn = [new Series("no data", [0], [0])];
        }

        return new ReportFigure(caption, PlotWriter.SaveLines(path, "", "epoch", yLabel, drawn, options: new LineChartOptions { IntegerXTicks = true, BandNote = note }));
    }

    /// <summary>Per-epoch curves as small multiples, one panel per series on its own y scale, titled by the series.</summary>
    private static ReportFigure Panels(string path, string caption, string yLabel, IEnumerable<Series?> series, string? note)
    {
        var panels = series.OfType<Series>().Select(s => new PlotPanel(s.Name, [s])).ToArray();
        if (panels.Length == 0)
        {
            panels = [new PlotPanel("no data", [new Series("no data", [0], [0])])];
        }

        var style = PlotStyle.Default with { Width = 1000, Height = 270 };
        return new ReportFigure(caption, PlotWriter.SavePanels(path, "epoch", yLabel, panels, style, new LineChartOptions { IntegerXTicks = true, BandNote = note }));
    }

    /// <summary>
    /// The mean over runs of a metric per epoch, over the epochs every run has, with the sample standard deviation as
    /// the spread when there are several runs; null when there are no epochs.
    /// </summary>
    private static Series? MeanCurve(string name, IReadOnlyList<RunRecord> runs, Func<EpochMetrics, double> metric, int? color = null)
    {
        var epochs = runs.Count == 0 ? 0 : runs.Min(r => r.History.Count);
        var points = Enumerable.Range(0, epochs)
            .Select(e =>
            {
                var values = runs.Select(r => metric(r.History[e])).ToArray();
                return (X: (double)runs[0].History[e].Epoch, Y: Statistics.Mean(values), Sd: values.Length > 1 ? Statistics.SampleStd(values) : 0);
            })
            .Where(p => double.IsFinite(p.Y) && double.IsFinite(p.Sd))
            .ToArray();
        return points.Length == 0
            ? null
            : new Series(name, points.Select(p => p.X).ToArray(), points.Select(p => p.Y).ToArray())
            {
                Spread = runs.Count > 1 ? points.Select(p => p.Sd).ToArray() : null,
                ColorIndex = color,
            };
    }

    /// <summary>The legend note for curves that are means over <paramref name="counts"/> runs each.</summary>
    private static string SpreadNote(IEnumerable<int> counts, string unit, string per = "curve")
    {
        var distinct = counts.Distinct().Order().ToArray();
        var spread = distinct.Where(n => n > 1).ToArray();
        if (spread.Length == 0)
        {
            return $"1 {unit} per {per}: no spread shown";
        }

        var over = spread.Length == 1 ? $"{spread[0]} {unit}s" : $"{spread[0]}–{spread[^1]} {unit}s";
        return $"shaded: ±1 sd over {over}" + (distinct[0] == 1 ? $" (none with 1 {unit})" : spread.Length > 1 ? $" per {per}" : "");
    }

    /// <summary>"beta=4", marked "(chosen)", "(paper)" or both where the value is the chosen one or the paper's.</summary>
    private static string ValueLabel(string key, string value, string? chosen, string? paper)
    {
        var marks = new List<string>();
        if (chosen is not null && SameNumber(value, chosen))
        {
            marks.Add("chosen");
        }

        if (paper is not null && SameNumber(value, paper))
        {
            marks.Add("paper");
        }

        return $"{key}={value}" + (marks.Count > 0 ? $" ({string.Join(", ", marks)})" : "");
    }

    private static bool SameNumber(string a, string b) =>
        double.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out var y)
            ? x == y
            : a == b;

    private static BarGroup Bar(string label, double[] values) =>
        new(label, values.Average(), values.Length > 1 ? Statistics.SampleStd(values) : null);

    private static string EvaluatedSplit(IEnumerable<RunRecord> runs) =>
        runs.Any(r => r.Spec.Options.ValidationFraction > 0) ? "validation" : "test";

    private static bool IsFinal(RunRecord run) => run.Spec.Id.StartsWith(Sweep.FinalPrefix, StringComparison.Ordinal);

    private static Dictionary<string, string> Setting(RunRecord run, IReadOnlyList<SweepAxis> axes) =>
        axes.ToDictionary(a => a.Key, a => run.Value(a.Key));

    private static bool SameSetting(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
        a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);

    private static string DescribeAxis(SweepAxis axis) =>
        $"{axis.Key} ∈ {{{string.Join(", ", axis.Values)}}}" + (axis.HasRange
            ? string.Create(CultureInfo.InvariantCulture, $", refined by bisection in [{axis.Low}, {axis.High}]")
            : "");

    internal static string Describe(IReadOnlyDictionary<string, string> setting) => string.Join(", ", setting.Select(p => $"{p.Key}={p.Value}"));

    internal static string MeanSd(IEnumerable<double?> values) => MeanSd(values.OfType<double>());

    internal static string MeanSd(IEnumerable<double> values)
    {
        var list = values.Where(double.IsFinite).ToArray();
        return list.Length switch
        {
            0 => Dash,
            1 => Number(list[0], "F4"),
            _ => $"{Number(Statistics.Mean(list), "F4")} ± {Number(Statistics.SampleStd(list), "F4")}",
        };
    }

    private static string Optional(double? value) => value is { } v ? Number(v, "F4") : Dash;

    internal static string Number(double value, string format) =>
        double.IsFinite(value) ? value.ToString(format, CultureInfo.InvariantCulture) : double.IsNaN(value) ? Dash : value > 0 ? "∞" : "−∞";

    private static string Signed(double value) => (value >= 0 ? "+" : "") + Number(value, "F4");

    /// <summary>
    /// A p-value with 3 decimals, "&lt; 0.001" below that, and more decimals where 3 would put it on the other
    /// side of 0.05 than it is (0.0496 printed as 0.050 would contradict the verdict's "beats").
    /// </summary>
    internal static string PValue(double p)
    {
        if (p < 0.001)
        {
            return "< 0.001";
        }

        for (var digits = 3; digits < 10; digits++)
        {
            var text = Number(p, "F" + digits.ToString(CultureInfo.InvariantCulture));
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var shown) || (shown < VerdictWriter.Alpha) == (p < VerdictWriter.Alpha))
            {
                return text;
            }
        }

        return Number(p, "R");
    }

    private static string Clean(string text) =>
        new string(text.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '_').ToArray()).Trim('_');
}
