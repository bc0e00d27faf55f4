using System.Globalization;
using LossLab.Experiments;

namespace LossLab.Reporting;

/// <summary>
/// Writes the verdict of a comparison, a sweep or a set of runs from its numbers only: the highest means (as the
/// tables print them), what the one-sided paired tests support at p &lt; 0.05, and a caution when seeds are few.
/// </summary>
internal static class VerdictWriter
{
    /// <summary>Significance level of the verdict's "beats".</summary>
    public const double Alpha = 0.05;

    /// <summary>Below this many seeds the verdict carries a caution.</summary>
    public const int FewSeeds = 5;

    /// <summary>The verdict of a loss comparison.</summary>
    /// <param name="reference">The loss tested against the others.</param>
    /// <param name="losses">Final macro-F1 and NMI of each loss's completed runs, in plan order.</param>
    /// <param name="tests">The paired tests of the report's table; null when the reference has fewer than 2 completed runs.</param>
    /// <param name="completed">Completed runs.</param>
    /// <param name="planned">Planned runs.</param>
    public static ReportVerdict Comparison(
        string reference, IReadOnlyList<(string Loss, double[] F1, double[] Nmi)> losses, IReadOnlyList<PairedComparison>? tests, int completed, int planned)
    {
        var scored = losses.Where(l => l.F1.Length > 0).ToArray();
        if (scored.Length == 0)
        {
            return new ReportVerdict($"No run has completed yet (0 of {planned}).");
        }

        var seeds = scored.Select(l => l.F1.Length).Distinct().Order().ToArray();
        var sentences = new List<string>
        {
            $"Highest mean macro-F1: {Top(scored, l => l.F1)}; highest mean NMI: {Top(scored, l => l.Nmi)} (mean ± sd over {Range(seeds, "seed")}{(seeds.Length > 1 ? " per loss" : "")}).",
        };
        var own = scored.FirstOrDefault(l => string.Equals(l.Loss, reference, StringComparison.OrdinalIgnoreCase));
        if (own.F1 is not null && scored.Length > 1)
        {
            var parts = new List<string>();
            foreach (var (name, metric) in new[] { ("macro-F1", (Func<(string Loss, double[] F1, double[] Nmi), double[]>)(l => l.F1)), ("NMI", l => l.Nmi) })
            {
                var (rank, joint) = Rank(scored, own, metric);
                if (rank > 1)
                {
                    parts.Add($"{name} {ReportBuilder.MeanSd(metric(own))}, {(joint ? "joint " : "")}{Ordinal(rank)} of {scored.Length} by mean");
                }
            }

            if (parts.Count > 0)
            {
                sentences.Add($"The reference loss ({own.Loss}): {string.Join("; ", parts)}.");
            }
        }

        if (tests is null)
        {
            if (scored.Length > 1)
            {
                sentences.Add($"No paired tests: {reference} has fewer than 2 completed seeds.");
            }
        }
        else if (Tests(reference, tests) is { } tested)
        {
            sentences.Add(tested);
        }

        if (completed < planned)
        {
            sentences.Add($"{completed} of {planned} runs have completed; the others are not counted.");
        }

        var caution = seeds[0] < FewSeeds
            ? $"{Range(seeds, "seed")} per loss; with fewer than {FewSeeds}, a paired t-test detects only large, consistent differences, and the order of the means can change with more seeds."
            : null;
        return new ReportVerdict(string.Join(" ", sentences), caution);
    }

    /// <summary>The verdict of a β/γ search: the chosen setting, its scores on the split that chose it and on the test split, the paper's setting.</summary>
    /// <param name="spec">The sweep.</param>
    /// <param name="state">How far it got.</param>
    /// <param name="chosenFinals">Final metrics of the chosen setting on the test split (retrained when selected on validation); empty when not yet run.</param>
    /// <param name="paperSetting">The paper's setting, or null when it has none for this experiment.</param>
    public static ReportVerdict Sweep(SweepSpec spec, SweepState state, IReadOnlyList<Evaluation.EpochMetrics> chosenFinals, IReadOnlyDictionary<string, string>? paperSetting)
    {
        var split = spec.SelectOn == "val" ? "validation" : "test";
        var caution = spec.Seeds < FewSeeds
            ? $"{Count(spec.Seeds, "seed")} per setting; the choice, and its gap to the next setting, can change with other seeds."
            : null;
        if (state.Best is not { } best)
        {
            var pending = state.Steps.Count > 0
                ? $"The search is unfinished: step \"{state.Steps[^1].Title}\" has {Count(state.Pending.Count, "run")} pending, so no setting is chosen yet."
                : "The search has not started, so no setting is chosen yet.";
            return new ReportVerdict(pending, caution);
        }

        // A setting searched in two steps (the best of one step starts the next) is counted once.
        var tried = state.Steps
            .SelectMany(s => s.Candidates)
            .Where(c => c.Score is { } s && double.IsFinite(s))
            .GroupBy(c => ReportBuilder.Describe(c.Setting))
            .Select(g => g.First())
            .OrderByDescending(c => c.Score)
            .ToArray();
        var chosen = tried.FirstOrDefault(c => ReportBuilder.Describe(c.Setting) == ReportBuilder.Describe(best));
        var sentences = new List<string>();
        var scores = chosen is null
            ? $"score {ReportBuilder.Number(state.BestScore ?? double.NaN, "F4")}"
            : $"macro-F1 {Optional(chosen.F1)}, NMI {Optional(chosen.Nmi)}, score {ReportBuilder.Number(chosen.Score!.Value, "F4")}";
        var place = tried.Length > 0 && chosen is not null && ReportBuilder.Number(tried[0].Score!.Value, "F4") == ReportBuilder.Number(chosen.Score!.Value, "F4")
            ? $"the highest score (macro-F1 + NMI)/2 of the {Count(tried.Length, "setting")} tried"
            : $"the search's choice among {Count(tried.Length, "setting")} tried";
        sentences.Add($"Chosen setting: {ReportBuilder.Describe(best)}, with {split} {scores}: {place}.");
        var next = tried.FirstOrDefault(c => ReportBuilder.Describe(c.Setting) != ReportBuilder.Describe(best));
        if (next is not null)
        {
            sentences.Add($"Next: {ReportBuilder.Describe(next.Setting)}, score {ReportBuilder.Number(next.Score!.Value, "F4")}.");
        }

        if (chosenFinals.Count > 0)
        {
            var optimistic = spec.SelectOn == "val" ? "" : " The test split also made the choice, so these figures are optimistic.";
            sentences.Add(
                $"On the test split{(spec.SelectOn == "val" ? ", retrained without a held-out part" : "")}: macro-F1 {ReportBuilder.MeanSd(chosenFinals.Select(m => m.F1Macro))}, NMI {ReportBuilder.MeanSd(chosenFinals.Select(m => m.Nmi))} ({Count(chosenFinals.Count, "seed")}).{optimistic}");
        }
        else if (spec.SelectOn == "val")
        {
            sentences.Add("Its retraining for the test split has not completed, so there are no test figures yet.");
        }

        if (paperSetting is not null)
        {
            var same = best.Count == paperSetting.Count && best.All(p => paperSetting.TryGetValue(p.Key, out var v) && SameValue(v, p.Value));
            sentences.Add(same ? $"The paper chose the same setting ({ReportBuilder.Describe(paperSetting)})." : $"The paper chose {ReportBuilder.Describe(paperSetting)}.");
        }

        return new ReportVerdict(string.Join(" ", sentences), caution);
    }

    /// <summary>The verdict of runs that are not a comparison or a sweep: which run scored highest.</summary>
    /// <param name="runs">Label and final metrics of each completed run.</param>
    /// <param name="planned">Runs found.</param>
    public static ReportVerdict Runs(IReadOnlyList<(string Label, Evaluation.EpochMetrics Final)> runs, int planned)
    {
        if (runs.Count == 0)
        {
            return new ReportVerdict($"No run has completed yet (0 of {planned}).");
        }

        var f1 = runs.MaxBy(r => r.Final.F1Macro);
        var nmi = runs.MaxBy(r => r.Final.Nmi);
        return new ReportVerdict(
            $"Highest final macro-F1: {f1.Label} ({ReportBuilder.Number(f1.Final.F1Macro, "F4")}); highest final NMI: {nmi.Label} ({ReportBuilder.Number(nmi.Final.Nmi, "F4")}); {runs.Count} of {planned} run(s) completed.",
            runs.Count > 1 ? "one run per curve: no spread over seeds, and the order can change with other seeds." : null);
    }

    private static string? Tests(string reference, IReadOnlyList<PairedComparison> tests)
    {
        if (tests.Count == 0)
        {
            return null;
        }

        var tested = tests.Where(t => t.F1 is not null && t.Nmi is not null).ToArray();
        var untested = tests.Where(t => t.F1 is null || t.Nmi is null).Select(t => t.Baseline).ToArray();
        var text = "";
        if (tested.Length > 0)
        {
            var pairs = tested.Select(t => t.Pairs).Distinct().Order().ToArray();
            var head = $"One-sided paired t-tests ({reference} better, p < {Alpha.ToString(CultureInfo.InvariantCulture)}, {Range(pairs, "pair")} per baseline): ";
            var beaten = tested.Where(t => Beats(t.F1!) || Beats(t.Nmi!)).ToArray();
            var others = tested.Except(beaten).Select(t => t.Baseline).ToArray();
            if (beaten.Length == 0)
            {
                text = head + (others.Length == 1
                    ? $"{reference} does not beat {others[0]} on either metric."
                    : $"{reference} beats none of the {others.Length} baselines on either metric.");
            }
            else
            {
                var parts = beaten.Select(t => (Beats(t.F1!), Beats(t.Nmi!)) switch
                {
                    (true, true) => $"{t.Baseline} on macro-F1 ({P(t.F1!)}) and on NMI ({P(t.Nmi!)})",
                    (true, false) => $"{t.Baseline} on macro-F1 only ({P(t.F1!)})",
                    _ => $"{t.Baseline} on NMI only ({P(t.Nmi!)})",
                });
                text = head + $"{reference} beats {string.Join("; ", parts)}." + (others.Length > 0 ? $" It does not beat {List(others)} on either metric." : "");
            }
        }

        if (untested.Length > 0)
        {
            text += (text.Length > 0 ? " " : "") + $"Not tested (fewer than 2 seeds shared with {reference}): {List(untested)}.";
        }

        return text;
    }

    private static bool Beats(PairedTestResult test) => test.PValueGreater < Alpha;

    private static string P(PairedTestResult test)
    {
        var p = ReportBuilder.PValue(test.PValueGreater);
        return p.StartsWith('<') ? $"p {p}" : $"p = {p}";
    }

    /// <summary>The loss(es) whose mean, as the table prints it, is the highest, with mean ± sd.</summary>
    private static string Top((string Loss, double[] F1, double[] Nmi)[] scored, Func<(string Loss, double[] F1, double[] Nmi), double[]> metric)
    {
        var top = scored.Max(l => Printed(metric(l)));
        var winners = scored.Where(l => Printed(metric(l)) == top).ToArray();
        return winners.Length == 1
            ? $"{winners[0].Loss}, {ReportBuilder.MeanSd(metric(winners[0]))}"
            : $"{List(winners.Select(w => $"{w.Loss} ({ReportBuilder.MeanSd(metric(w))})").ToArray())}, equal to 4 decimals";
    }

    private static (int Rank, bool Joint) Rank(
        (string Loss, double[] F1, double[] Nmi)[] scored, (string Loss, double[] F1, double[] Nmi) own, Func<(string Loss, double[] F1, double[] Nmi), double[]> metric)
    {
        var mine = Printed(metric(own));
        var above = scored.Count(l => Printed(metric(l)) > mine);
        var level = scored.Count(l => Printed(metric(l)) == mine);
        return (above + 1, level > 1);
    }

    /// <summary>The mean as the tables print it (4 decimals), so that ties and order agree with what a reader sees.</summary>
    private static double Printed(double[] values) =>
        double.Parse(Statistics.Mean(values).ToString("F4", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static string Optional(double? value) => value is { } v ? ReportBuilder.Number(v, "F4") : "—";

    private static bool SameValue(string a, string b) =>
        double.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out var y)
            ? x == y
            : a == b;

    private static string Ordinal(int n) => n + ((n % 100) is 11 or 12 or 13 ? "th" : (n % 10) switch { 1 => "st", 2 => "nd", 3 => "rd", _ => "th" });

    private static string Count(int n, string noun) => $"{n} {noun}{(n == 1 ? "" : "s")}";

    private static string Range(int[] counts, string noun) => counts.Length == 1 ? Count(counts[0], noun) : $"{counts[0]}–{counts[^1]} {noun}s";

    private static string List(IReadOnlyList<string> items) => items.Count switch
    {
        1 => items[0],
        2 => $"{items[0]} and {items[1]}",
        _ => $"{string.Join(", ", items.Take(items.Count - 1))} and {items[^1]}",
    };
}
