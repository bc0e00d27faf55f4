using System.CommandLine;
using LossLab.Experiments;
using LossLab.Losses;
using LossLab.Training;

namespace LossLab.Cli.Commands;

/// <summary>
/// <c>losslab reproduce E1|E2|E3|E4|E5|E6 --preset quick|medium|paper</c>: the paper's experiments, their report beside the
/// paper's figures, and two of our own (E5 ablation, E6 class imbalance).
/// </summary>
public static class ReproduceCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var experiment = new ExperimentOptionSet();
        var id = new Argument<string>("experiment") { Description = "E1 (beta/gamma search, Figs. 1–4), E2 (loss comparison, Figs. 6–7), E3 (ResNet, Fig. 8), E4 (CIFAR-100 Table 1, Fashion-MNIST Fig. 9, Table 2), E5 (ablation of beta and gamma) or E6 (long-tailed CIFAR-10, imbalance 10 and 100)" };
        var preset = new Option<string?>("--preset") { Description = "quick (default: small-cnn on Fashion-MNIST subsets, minutes on 2 CPU cores), medium (E2, E5, E6: small-cnn on all of CIFAR-10, about 45 minutes each on 2 CPU cores) or paper (the paper's models, datasets, 70 epochs, Adam lr 1e-5, weight decay 4e-4)" };
        var dataset = new Option<string?>("--dataset") { Description = "Use this dataset instead of the preset's (e.g. folder:PATH with your own images)" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Folder holding the dataset files" };
        var download = new Option<bool>("--download") { Description = "Download the official archives when a dataset is not found" };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for libtorch per run (default: the cores shared between the --jobs; with --jobs 1 the preset's: quick 2, paper all cores)" };
        var device = new Option<string?>("--device") { Description = "auto (default), cpu or cuda" };
        var epochs = new Option<int?>("--epochs") { Description = "Override the preset's epochs" };
        var trainLimit = new Option<int?>("--train-limit") { Description = "Override the preset's number of training images" };
        var testLimit = new Option<int?>("--test-limit") { Description = "Override the preset's number of test images" };
        var seeds = new Option<int?>("--seeds") { Description = "Seeds per loss (default 3) or per E1 setting (default 1)" };
        var seed = new Option<int?>("--seed") { Description = "First seed (default 1)" };
        var selectOn = new Option<string?>("--select-on") { Description = "E1: val (default; the winner is then evaluated on the test split) or test (as the paper did)" };
        var command = new Command("reproduce", "Run one of the paper's experiments (E1–E4) and write its report beside the paper's reported figures, or the ablation (E5) or class-imbalance study (E6)");
        command.Arguments.Add(id);
        command.Options.Add(preset);
        foreach (Option option in new Option[] { dataset, dataDir, download, threads, device, epochs, trainLimit, testLimit, seeds, seed, selectOn })
        {
            command.Options.Add(option);
        }

        experiment.AddTo(command);
        command.SetAction(parse => ErrorHandling.Run(() =>
        {
            var name = parse.GetValue(id)!.ToUpperInvariant();
            var presetName = parse.GetValue(preset) ?? "quick";
            TrainOptionSet.CheckThreads(parse.GetValue(threads));
            var parts = Reproduction.Create(name, presetName, new ReproductionSettings
            {
                Dataset = parse.GetValue(dataset),
                DataDir = parse.GetValue(dataDir),
                Download = parse.GetValue(download),
                Threads = parse.GetValue(threads),
                Device = parse.GetValue(device) is { } kind ? EnumNames.Parse<DeviceKind>(kind, "--device") : null,
                Epochs = parse.GetValue(epochs),
                TrainLimit = parse.GetValue(trainLimit),
                TestLimit = parse.GetValue(testLimit),
                Seeds = parse.GetValue(seeds),
                Seed = parse.GetValue(seed),
                SelectOn = parse.GetValue(selectOn),
            });
            var root = parse.GetValue(experiment.Out) ?? Path.Combine("experiments", $"{name}-{presetName}");
            var runnable = new List<(string, ExperimentPlan)>();
            foreach (var part in parts)
            {
                var missing = Reproduction.MissingData(part.Plan.Base);
                if (missing is null)
                {
                    runnable.Add((part.Folder.Length == 0 ? root : Path.Combine(root, part.Folder), part.Plan));
                    continue;
                }

                // The paper preset needs its data; the quick one runs what it can and says what it skipped (unless every
                // part needs this same dataset, as E6's two imbalance ratios do).
                if (presetName == "paper" || parts.All(p => p.Plan.Base.Dataset == part.Plan.Base.Dataset))
                {
                    throw new ArgumentException($"{name} needs {missing}", "--dataset");
                }

                Console.Error.WriteLine($"warning: skipping '{part.Plan.Title}': {missing}");
            }

            if (runnable.Count == 0)
            {
                throw new ArgumentException($"{name}: none of its datasets is available", "--dataset");
            }

            return experiment.Run(parse, runnable, root, parse.GetValue(threads));
        }));
        return command;
    }
}
