using System.CommandLine;
using System.Globalization;
using LossLab.Experiments;
using LossLab.Losses;

namespace LossLab.Cli.Commands;

/// <summary><c>losslab sweep</c>: a grid over any training option, or the paper's coordinate search with bisection refinement.</summary>
public static class SweepCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var train = new TrainOptionSet();
        var experiment = new ExperimentOptionSet();
        var grid = new Option<string[]>("--grid") { Description = "An option and its values, KEY=V1,V2,... (repeat for several options; in search mode, in search order)" };
        var mode = new Option<string?>("--mode") { Description = "grid (default: every combination) or search (the paper's: one option at a time, the earlier ones at their best, the later ones at their first value)" };
        var refine = new Option<string[]>("--refine") { Description = "Search mode: refine an option by bisection inside a range, KEY=LOW:HIGH (e.g. beta=2:16)" };
        var rounds = new Option<int?>("--refine-rounds") { Description = "Bisection rounds per refined option (default 2)" };
        var seeds = new Option<int?>("--seeds") { Description = "Seeds per setting, starting at --seed; the score is their mean (default 1)" };
        var selectOn = new Option<string?>("--select-on") { Description = "val (default: a validation split held out of the training set; the winner is then evaluated on the test split) or test (as the paper did)" };
        var valFraction = new Option<double?>("--val-fraction") { Description = "Share of the training set held out for --select-on val (default 0.1)" };
        var command = new Command("sweep", "Train one setting per value (or combination) of some options and select the best by macro-F1 and NMI");
        train.AddTo(command);
        experiment.AddTo(command);
        foreach (Option option in new Option[] { grid, mode, refine, rounds, seeds, selectOn, valFraction })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => ErrorHandling.Run(() =>
        {
            var options = train.Build(parse);
            options.Validate();
            foreach (var flag in train.IgnoredLossFlags(parse, [LossRegistry.Of(options.LossOptions)]))
            {
                Console.Error.WriteLine($"warning: {flag} has no effect on loss '{options.Loss}' (vary another loss's options with --grid)");
            }

            var axes = (parse.GetValue(grid) ?? []).Select(g => ExperimentOptionSet.ParseAxis("--grid", g)).ToList();
            var ranges = (parse.GetValue(refine) ?? []).Select(ParseRange).ToDictionary(r => r.Key, r => (r.Low, r.High));
            foreach (var key in ranges.Keys.Where(k => axes.All(a => a.Key != k)))
            {
                throw new ArgumentException($"--refine: '{key}' is not one of the --grid options", "--refine");
            }

            var modeName = parse.GetValue(mode) ?? "grid";
            var spec = new SweepSpec
            {
                Mode = modeName switch
                {
                    "grid" => SweepMode.Grid,
                    "search" => SweepMode.Coordinate,
                    _ => throw new ArgumentException($"--mode: '{modeName}' is not valid; valid: grid, search", "--mode"),
                },
                Axes = axes.Select(a => ranges.TryGetValue(a.Key, out var r) ? new SweepAxis(a.Key, a.Values, r.Low, r.High) : new SweepAxis(a.Key, a.Values)).ToArray(),
                Seeds = parse.GetValue(seeds) ?? 1,
                SelectOn = parse.GetValue(selectOn) ?? "val",
                ValidationFraction = parse.GetValue(valFraction) ?? 0.1,
                RefineRounds = parse.GetValue(rounds) ?? 2,
            };
            var plan = ExperimentPlan.ForSweep(options, spec);
            var directory = parse.GetValue(experiment.Out) ?? throw new ArgumentException("--out: an experiment directory is needed (reuse it to continue)", "--out");
            return experiment.Run(parse, [(directory, plan)], directory, parse.GetValue(train.Threads));
        }));
        return command;
    }

    private static (string Key, double Low, double High) ParseRange(string text)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        var bounds = equals > 0 ? text[(equals + 1)..].Split(':') : [];
        if (bounds.Length != 2
            || !double.TryParse(bounds[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var low)
            || !double.TryParse(bounds[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var high)
            || !(low <= high))
        {
            throw new ArgumentException($"--refine: '{text}' is not KEY=LOW:HIGH with LOW ≤ HIGH, e.g. beta=2:16", "--refine");
        }

        return (text[..equals].Trim(), low, high);
    }
}
