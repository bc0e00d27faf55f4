using System.CommandLine;
using LossLab.Experiments;
using LossLab.Losses;

namespace LossLab.Cli.Commands;

/// <summary><c>losslab compare</c>: the same model, data and budget trained with several losses and seeds; mean ± sd and paired tests.</summary>
public static class CompareCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var train = new TrainOptionSet();
        var experiment = new ExperimentOptionSet();
        var losses = new Option<string?>("--losses") { Description = $"Losses to compare, comma-separated (default {string.Join(",", ExperimentPlan.PaperLosses)}); --beta/--gamma apply to improved only" };
        var seeds = new Option<int?>("--seeds") { Description = "Seeds per loss, starting at --seed; the same seeds for every loss (default 3)" };
        var reference = new Option<string?>("--reference") { Description = "Loss tested against every other one (default improved)" };
        var command = new Command("compare", "Train the same model on the same data with several losses and seeds; report mean ± sd and paired t-tests");
        train.AddTo(command);
        experiment.AddTo(command);
        command.Options.Add(losses);
        command.Options.Add(seeds);
        command.Options.Add(reference);
        command.SetAction(parse => ErrorHandling.Run(() =>
        {
            if (parse.GetResult(train.Loss) is not null)
            {
                throw new ArgumentException("--loss: compare trains several losses; list them with --losses", "--loss");
            }

            var options = train.Build(parse);
            var names = parse.GetValue(losses)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) ?? [.. ExperimentPlan.PaperLosses];
            var definitions = names.Select(Find).ToArray();

            // Each loss takes the loss flags it has, except --beta/--gamma, which are the improved loss's (focal keeps gamma 2).
            var lossOptions = definitions.Select(d => train.BuildLoss(parse, d, d.Name == "improved" ? [] : ["beta", "gamma"])).ToArray();
            foreach (var flag in train.IgnoredLossFlags(parse, definitions))
            {
                Console.Error.WriteLine($"warning: {flag} has no effect on the compared losses");
            }

            var plan = ExperimentPlan.Compare(options, lossOptions, parse.GetValue(seeds) ?? 3);
            if (parse.GetValue(reference) is { } chosen)
            {
                if (!plan.Losses.Contains(chosen.ToLowerInvariant()))
                {
                    throw new ArgumentException($"--reference: '{chosen}' is not one of the compared losses ({string.Join(", ", plan.Losses)})", "--reference");
                }

                plan = plan with { ReferenceLoss = chosen.ToLowerInvariant() };
            }

            var directory = parse.GetValue(experiment.Out) ?? throw new ArgumentException("--out: an experiment directory is needed (reuse it to continue)", "--out");
            return experiment.Run(parse, [(directory, plan)], directory, parse.GetValue(train.Threads));
        }));
        return command;
    }

    private static LossDefinition Find(string name)
    {
        try
        {
            return LossRegistry.Find(name);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"--losses: unknown loss '{name}'; valid: {string.Join(", ", LossRegistry.Names)}", "--losses");
        }
    }
}
