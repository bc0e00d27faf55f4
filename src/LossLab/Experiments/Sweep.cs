using System.Globalization;
using LossLab.Evaluation;
using LossLab.Training;

namespace LossLab.Experiments;

/// <summary>
/// The progression of a sweep. The search is a pure function of the results so far: <see cref="Replay"/> walks
/// it from the start, reading each needed run's result, and stops at the first step whose runs are not all
/// settled. A rerun, every shard and the report therefore agree on which runs each step holds and which
/// setting wins, without any other shared state.
/// </summary>
public sealed class Sweep
{
    /// <summary>Prefix of the ids of the runs that evaluate the chosen setting on the test split after a validation-split selection.</summary>
    public const string FinalPrefix = "final_";

    private readonly TrainOptions baseOptions;
    private readonly SweepSpec spec;

    /// <summary>Creates the sweep; the spec is validated here.</summary>
    public Sweep(TrainOptions baseOptions, SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(baseOptions);
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();
        this.baseOptions = baseOptions;
        this.spec = spec;
    }

    /// <summary>The selection score of an evaluated epoch: the mean of macro-F1 and NMI (the paper maximised both).</summary>
    public static double Score(EpochMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        return (metrics.F1Macro + metrics.Nmi) / 2;
    }

    /// <summary>Walks the sweep as far as the results allow.</summary>
    /// <param name="status">The status of a run by id.</param>
    public SweepState Replay(Func<string, RunStatus> status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var walk = new Walk(this, status);
        return walk.Run();
    }

    /// <summary>The options and id of one seed of a setting.</summary>
    internal RunSpec Spec(IReadOnlyDictionary<string, string> setting, int seedOffset, bool final)
    {
        var options = baseOptions;
        var values = new Dictionary<string, string>();

        // The loss first, so that keys whose meaning depends on it (margin) see the final loss.
        foreach (var axis in spec.Axes.OrderBy(a => a.Key == "loss" ? 0 : 1))
        {
            options = OptionKeys.Apply(options, axis.Key, setting[axis.Key]);
        }

        foreach (var axis in spec.Axes)
        {
            values[axis.Key] = setting[axis.Key];
        }

        var seed = baseOptions.Seed + seedOffset;
        values["seed"] = seed.ToString(CultureInfo.InvariantCulture);
        options = options with
        {
            Seed = seed,
            ValidationFraction = spec.SelectOn == "val" && !final ? spec.ValidationFraction : 0,
        };
        options.Validate();
        return new RunSpec((final ? FinalPrefix : "") + RunId.Format(values), options) { Values = values };
    }

    private static string Describe(IReadOnlyDictionary<string, string> setting, IEnumerable<string> keys) =>
        string.Join(", ", keys.Select(k => $"{k}={setting[k]}"));

    /// <summary>One pass over the sweep with a fixed view of the results.</summary>
    private sealed class Walk(Sweep sweep, Func<string, RunStatus> status)
    {
        private readonly List<SweepStep> steps = [];
        private readonly List<RunSpec> known = [];
        private readonly HashSet<string> knownIds = new(StringComparer.Ordinal);

        public SweepState Run()
        {
            var axes = sweep.spec.Axes;
            Dictionary<string, string> best;
            if (sweep.spec.Mode == SweepMode.Grid)
            {
                var settings = axes.Aggregate(
                    new List<Dictionary<string, string>> { new() },
                    (acc, axis) => acc.SelectMany(s => axis.Values.Select(v => new Dictionary<string, string>(s) { [axis.Key] = v })).ToList());
                var step = Evaluate($"grid over {string.Join(" × ", axes.Select(a => a.Key))}", null, settings);
                if (step.Pending.Count > 0)
                {
                    return Incomplete(step);
                }

                best = settings[step.Chosen];
            }
            else
            {
                best = axes.ToDictionary(a => a.Key, a => a.Values[0]);
                foreach (var axis in axes)
                {
                    var others = axes.Where(a => a.Key != axis.Key).Select(a => a.Key).ToArray();
                    var context = others.Length > 0 ? $" ({Describe(best, others)})" : "";
                    var tried = new List<string>();
                    var scores = new Dictionary<string, double>(StringComparer.Ordinal);
                    var listed = Try(axis, axis.Values, $"{axis.Key} ∈ {{{string.Join(", ", axis.Values)}}}{context}");
                    if (listed is not null)
                    {
                        return listed;
                    }

                    if (axis.HasRange)
                    {
                        var ends = new[] { axis.Low!.Value, axis.High!.Value }.Select(v => Canonical(axis, v)).ToArray();
                        var endState = Try(axis, ends, $"{axis.Key} range ends [{ends[0]}, {ends[1]}]{context}");
                        if (endState is not null)
                        {
                            return endState;
                        }

                        for (var round = 1; round <= sweep.spec.RefineRounds; round++)
                        {
                            var midpoints = Midpoints(axis, tried, scores);
                            if (midpoints.Count == 0)
                            {
                                break;
                            }

                            var roundState = Try(axis, midpoints, $"{axis.Key} bisection round {round}{context}");
                            if (roundState is not null)
                            {
                                return roundState;
                            }
                        }
                    }

                    best[axis.Key] = BestOf(tried, scores);

                    // Tries values of one axis with the others fixed; records their scores; returns a state when incomplete.
                    SweepState? Try(SweepAxis a, IReadOnlyList<string> values, string title)
                    {
                        var fresh = values.Where(v => !tried.Contains(v)).Distinct().ToArray();
                        if (fresh.Length == 0)
                        {
                            return null;
                        }

                        var settings = fresh.Select(v => new Dictionary<string, string>(best) { [a.Key] = v }).ToList();
                        var step = Evaluate(title, a.Key, settings);
                        if (step.Pending.Count > 0)
                        {
                            return Incomplete(step);
                        }

                        for (var i = 0; i < fresh.Length; i++)
                        {
                            tried.Add(fresh[i]);
                            scores[fresh[i]] = step.Step.Candidates[i].Score ?? double.NegativeInfinity;
                        }

                        // A refinement step's winner is the best value of the option so far, not just of its midpoints.
                        steps[^1] = step.Step with { Chosen = new Dictionary<string, string>(best) { [a.Key] = BestOf(tried, scores) } };
                        return null;
                    }
                }
            }

            var bestScore = steps.SelectMany(s => s.Candidates).Where(c => SameSetting(c.Setting, best)).Select(c => c.Score).FirstOrDefault();
            var finals = new List<RunSpec>();
            if (sweep.spec.SelectOn == "val")
            {
                finals.AddRange(Enumerable.Range(0, sweep.spec.Seeds).Select(s => sweep.Spec(best, s, final: true)));
                Remember(finals);
                var pending = finals.Where(r => !status(r.Id).IsSettled).ToArray();
                if (pending.Length > 0)
                {
                    return new SweepState(steps, known, finals, pending, best, bestScore, finals, false);
                }
            }

            return new SweepState(steps, known, [], [], best, bestScore, finals, true);
        }

        private (SweepStep Step, IReadOnlyList<RunSpec> Runs, IReadOnlyList<RunSpec> Pending, int Chosen) Evaluate(
            string title, string? key, List<Dictionary<string, string>> settings)
        {
            var runs = new List<RunSpec>();
            var candidates = new List<SweepCandidate>();
            foreach (var setting in settings)
            {
                var seeds = Enumerable.Range(0, sweep.spec.Seeds).Select(s => sweep.Spec(setting, s, final: false)).ToArray();
                runs.AddRange(seeds);
                var statuses = seeds.Select(r => status(r.Id)).ToArray();
                var finals = statuses.Where(s => s.State == RunState.Completed).Select(s => s.Summary!.Final).OfType<EpochMetrics>().ToArray();
                var settled = statuses.All(s => s.IsSettled);

                // A setting with a failed (diverged) seed ranks last.
                var anyFailed = statuses.Any(s => s.State == RunState.Failed);
                double? score = !settled ? null : anyFailed || finals.Length == 0 ? double.NegativeInfinity : finals.Average(Sweep.Score);
                candidates.Add(new SweepCandidate(
                    new Dictionary<string, string>(setting),
                    seeds.Select(r => r.Id).ToArray(),
                    score,
                    finals.Length > 0 ? finals.Average(m => m.F1Macro) : null,
                    finals.Length > 0 ? finals.Average(m => m.Nmi) : null));
            }

            Remember(runs);
            var pending = runs.Where(r => !status(r.Id).IsSettled).ToArray();
            var chosen = pending.Length > 0 ? -1 : IndexOfBest(candidates.Select(c => c.Score!.Value).ToArray());
            var step = new SweepStep(title, key, candidates, chosen >= 0 ? candidates[chosen].Setting : null);
            steps.Add(step);
            return (step, runs, pending, chosen);
        }

        private SweepState Incomplete((SweepStep Step, IReadOnlyList<RunSpec> Runs, IReadOnlyList<RunSpec> Pending, int Chosen) step) =>
            new(steps, known, step.Runs, step.Pending, null, null, [], false);

        private void Remember(IEnumerable<RunSpec> runs)
        {
            foreach (var run in runs)
            {
                if (knownIds.Add(run.Id))
                {
                    known.Add(run);
                }
            }
        }

        private List<string> Midpoints(SweepAxis axis, List<string> tried, Dictionary<string, double> scores)
        {
            var inRange = tried
                .Select(v => (Text: v, X: double.Parse(v, CultureInfo.InvariantCulture)))
                .Where(p => p.X >= axis.Low && p.X <= axis.High)
                .OrderBy(p => p.X)
                .ToArray();
            var best = BestOf(inRange.Select(p => p.Text).ToList(), scores);
            var index = Array.FindIndex(inRange, p => p.Text == best);
            var midpoints = new List<string>();
            foreach (var neighbour in new[] { index - 1, index + 1 })
            {
                if (neighbour < 0 || neighbour >= inRange.Length)
                {
                    continue;
                }

                var mid = Canonical(axis, (inRange[index].X + inRange[neighbour].X) / 2);
                if (!tried.Contains(mid) && !midpoints.Contains(mid))
                {
                    midpoints.Add(mid);
                }
            }

            return midpoints;
        }

        private static string BestOf(List<string> values, Dictionary<string, double> scores) =>
            values[IndexOfBest(values.Select(v => scores[v]).ToArray())];

        // The first of equal scores wins, so listed values beat later refinements on ties.
        private static int IndexOfBest(double[] scores)
        {
            var best = 0;
            for (var i = 1; i < scores.Length; i++)
            {
                if (scores[i] > scores[best])
                {
                    best = i;
                }
            }

            return best;
        }

        private static string Canonical(SweepAxis axis, double value) =>
            OptionKeys.Canonical(
                axis.Key,
                OptionKeys.IsInteger(axis.Key)
                    ? Math.Round(value, MidpointRounding.AwayFromZero).ToString(CultureInfo.InvariantCulture)
                    : Math.Round(value, 2).ToString(CultureInfo.InvariantCulture));

        private static bool SameSetting(IReadOnlyDictionary<string, string> a, IReadOnlyDictionary<string, string> b) =>
            a.Count == b.Count && a.All(p => b.TryGetValue(p.Key, out var v) && v == p.Value);
    }
}
