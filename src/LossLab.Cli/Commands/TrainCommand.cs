using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using LossLab.Data;
using LossLab.Losses;
using LossLab.Runs;
using LossLab.Training;

namespace LossLab.Cli.Commands;

/// <summary><c>losslab train</c>: one model, one loss, one dataset; a run directory with metrics and checkpoints.</summary>
public static class TrainCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var set = new TrainOptionSet();
        var outDir = new Option<string?>("--out") { Description = "Run directory (default runs/<time>-<dataset>-<model>-<loss>)" };
        var resume = new Option<string?>("--resume") { Description = "Continue the interrupted run in this directory (its config.json decides the options)" };
        var force = new Option<bool>("--force") { Description = "Overwrite a run directory that already holds a run" };
        var command = new Command("train", "Train a model with a loss and evaluate it on the test split after every epoch");
        set.AddTo(command);
        command.Options.Add(outDir);
        command.Options.Add(resume);
        command.Options.Add(force);
        command.SetAction(parse => ErrorHandling.Run(() =>
        {
            var resumeDir = parse.GetValue(resume);
            TrainOptions options;
            RunDirectory run;
            if (resumeDir is not null)
            {
                // A resumed run retraces the original only with the original options: refuse others rather than ignore them.
                var conflicting = set.Given(parse).Select(o => o.Name)
                    .Concat(new Option[] { outDir, force }.Where(o => parse.GetResult(o) is { Implicit: false }).Select(o => o.Name))
                    .ToArray();
                if (conflicting.Length > 0)
                {
                    throw new ArgumentException($"--resume: the run's options come from its config.json; remove {string.Join(", ", conflicting)}", "--resume");
                }

                if (!Directory.Exists(resumeDir))
                {
                    throw new ArgumentException($"--resume: '{resumeDir}' is not a directory", "--resume");
                }

                run = new RunDirectory(resumeDir);
                options = run.ReadConfig()?.Options ?? throw new ArgumentException($"--resume: {run.ConfigPath} not found; nothing to resume", "--resume");
                if (run.HoldsCompletedRun())
                {
                    Console.Error.WriteLine($"{run.Path} already holds a completed run; nothing to do.");
                    PrintFinal(run);
                    return ExitCodes.Ok;
                }
            }
            else
            {
                options = set.Build(parse);
                options.Validate();
                foreach (var flag in set.IgnoredLossFlags(parse, [LossRegistry.Of(options.LossOptions)]))
                {
                    Console.Error.WriteLine($"warning: {flag} has no effect on loss '{options.Loss}'");
                }

                var path = parse.GetValue(outDir) ?? DefaultRunPath(options);
                run = PrepareRunDirectory(path, parse.GetValue(force));
            }

            return Train(options, run, resumeDir is not null, string.Join(' ', Environment.GetCommandLineArgs().Skip(1)));
        }));
        return command;
    }

    /// <summary>Trains in <paramref name="run"/>, handling Ctrl-C/SIGTERM, and prints the final metrics.</summary>
    public static int Train(TrainOptions options, RunDirectory run, bool resume, string? commandLine)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(run);
        options.Validate();

        // Two processes writing one folder would interleave checkpoints (and remove each other's temporary files).
        using var runLock = run.TryLock()
            ?? throw new ArgumentException($"{(resume ? "--resume" : "--out")}: {run.Path} is in use by another losslab process", resume ? "--resume" : "--out");
        var progress = new ConsoleProgress();
        using var data = DatasetRegistry.Load(options.Dataset, new DataOptions { DataDir = options.DataDir, Download = options.Download });
        progress.Info($"data: {data.Name} from {data.Source}: {data.Train.Count} train / {data.Test.Count} test images, {data.NumClasses} classes, {data.Channels}×{data.Height}×{data.Width}");
        using var cancel = new CancellationTokenSource();
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => OnSignal(c, cancel));
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => OnSignal(c, cancel));
        var trainer = new Trainer(options, progress);
        RunSummary summary;
        try
        {
            summary = trainer.Run(data, run, resume, cancel.Token, commandLine);
        }
        catch (IOException ex) when (ex is not FileNotFoundException and not DirectoryNotFoundException)
        {
            // A failed write (full disk, read-only folder) left the previous files intact: say how to go on.
            var next = File.Exists(run.ConfigPath) ? $"resume with: losslab train --resume {run.Path}" : "run the command again";
            throw new IOException($"{ex.Message}. Free space or fix the folder's permissions, then {next}", ex);
        }

        if (!summary.Completed)
        {
            Console.Error.WriteLine($"interrupted after {summary.Epochs} full epoch(s); checkpoint saved. Resume with: losslab train --resume {run.Path}");
            return ExitCodes.Interrupted;
        }

        PrintFinal(run);
        return ExitCodes.Ok;
    }

    /// <summary>Opens a run directory for a new run, refusing to overwrite one unless forced.</summary>
    public static RunDirectory PrepareRunDirectory(string path, bool force)
    {
        var run = new RunDirectory(path);
        if (run.HoldsAnyRun())
        {
            if (!force)
            {
                var what = run.HoldsCompletedRun() ? "a finished run" : "an unfinished run (continue it with --resume)";
                throw new ArgumentException($"--out: {run.Path} already holds {what}; pass --force to overwrite it", "--out");
            }

            using var runLock = run.TryLock() ?? throw new ArgumentException($"--out: {run.Path} is in use by another losslab process", "--out");
            foreach (var file in new[] { run.ConfigPath, run.SummaryPath, run.MetricsCsvPath, run.MetricsJsonlPath, run.LastCheckpointPath, run.BestCheckpointPath })
            {
                File.Delete(file);
            }
        }

        return run;
    }

    private static void OnSignal(PosixSignalContext context, CancellationTokenSource cancel)
    {
        if (cancel.IsCancellationRequested)
        {
            // Second signal: let the default handler end the process.
            return;
        }

        context.Cancel = true;
        Console.Error.WriteLine();
        Console.Error.WriteLine($"{context.Signal}: finishing the current batch and saving a checkpoint (send again to stop at once)...");
        cancel.Cancel();
    }

    private static void PrintFinal(RunDirectory run)
    {
        var final = run.ReadSummary()?.Final;
        if (final is null)
        {
            return;
        }

        var line = string.Create(CultureInfo.InvariantCulture, $"accuracy {final.Accuracy:F4}  macro-F1 {final.F1Macro:F4}  NMI {final.Nmi:F4}");
        if (final.RecallAt1 is { } r1)
        {
            line += string.Create(CultureInfo.InvariantCulture, $"  k-means NMI {final.KmeansNmi:F4}  Recall@1 {r1:F4}  Recall@8 {final.RecallAt8:F4}");
        }

        Console.WriteLine(line);
        Console.WriteLine($"run: {run.Path}");
    }

    private static string DefaultRunPath(TrainOptions options)
    {
        var dataset = options.Dataset.StartsWith("folder:", StringComparison.Ordinal)
            ? Path.GetFileName(options.Dataset[7..].TrimEnd('/')).Replace(".tar.gz", "", StringComparison.Ordinal)
            : options.Dataset;
        return Path.Combine("runs", $"{DateTime.Now:yyyyMMdd-HHmmss}-{dataset}-{options.Model}-{options.Loss}-s{options.Seed}");
    }
}
