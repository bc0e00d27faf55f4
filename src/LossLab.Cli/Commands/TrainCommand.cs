using System.CommandLine;
using System.Globalization;
using LossLab.Data;
using LossLab.Hosting;
using LossLab.Interop;
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
            var commandLine = string.Join(' ', Environment.GetCommandLineArgs().Skip(1));
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

                var resumed = new RunDirectory(resumeDir);
                using var resumeLock = Lock(resumed, "--resume");
                var stored = resumed.ReadConfig()?.Options ?? throw new ArgumentException($"--resume: {resumed.ConfigPath} not found; nothing to resume", "--resume");
                if (resumed.HoldsCompletedRun())
                {
                    Console.Error.WriteLine($"{resumed.Path} already holds a completed run; nothing to do.");
                    PrintFinal(resumed);
                    return ExitCodes.Ok;
                }

                return Train(stored, resumed, resume: true, commandLine);
            }

            var options = set.Build(parse);
            options.Validate();
            foreach (var flag in set.IgnoredLossFlags(parse, [LossRegistry.Of(options.LossOptions)]))
            {
                Console.Error.WriteLine($"warning: {flag} has no effect on loss '{options.Loss}'");
            }

            // A file that cannot be loaded fails here, before the run directory is created or cleared.
            StateDictLoader.Check(options);
            var path = parse.GetValue(outDir) ?? DefaultRunPath(options);
            if (File.Exists(path))
            {
                throw new ArgumentException($"--out: {Path.GetFullPath(path)} is a file, not a folder", "--out");
            }

            var run = new RunDirectory(path);
            using var runLock = Lock(run, "--out");
            CheckNewRunFolder(run, parse.GetValue(force));
            return Train(options, run, resume: false, commandLine);
        }));
        return command;
    }

    /// <summary>
    /// Trains in <paramref name="run"/>, whose lock the caller holds, handling Ctrl-C/SIGTERM, and prints the final
    /// metrics. A run the folder holds is replaced only once every check (options, device, data, model) has passed.
    /// </summary>
    private static int Train(TrainOptions options, RunDirectory run, bool resume, string? commandLine)
    {
        options.Validate();

        // Before the data is loaded: a device this machine lacks is bad input, found in a moment.
        DeviceSelector.Resolve(options.Device);
        var progress = new ConsoleProgress();
        using var data = DatasetRegistry.Load(options.Dataset, new DataOptions { DataDir = options.DataDir, Download = options.Download }, Console.Error);
        progress.Info($"data: {data.Name} from {data.Source}: {data.Train.Count} train / {data.Test.Count} test images, {data.NumClasses} classes, {data.Channels}×{data.Height}×{data.Width}");
        using var signals = new InterruptSignals();
        // The run's threads (recorded in config.json, so a resumed run gets them again): same seed, same threads, same metrics.
        ProcessSettings.ApplyThreads(options.Threads);
        var trainer = new Trainer(options, progress);
        RunSummary summary;
        try
        {
            summary = trainer.Run(data, run, resume, signals.Token, commandLine);
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

    /// <summary>Takes the run folder's lock, so that two processes never train in one folder; refuses a folder in use.</summary>
    private static IDisposable Lock(RunDirectory run, string option) =>
        run.TryLock() ?? throw new ArgumentException($"{option}: {run.Path} is in use by another losslab process; wait for it to end or choose another folder", option);

    /// <summary>
    /// Accepts a folder for a new run: an empty one, or one holding a run when <paramref name="force"/> is given (the
    /// run is replaced only when the new one starts). A non-empty folder without a run is the user's and is refused.
    /// </summary>
    private static void CheckNewRunFolder(RunDirectory run, bool force)
    {
        if (run.HoldsAnyRun())
        {
            if (!force)
            {
                var what = run.HoldsCompletedRun()
                    ? "a finished run; pass --force to replace it"
                    : $"an unfinished run; continue it with --resume {run.Path}, or pass --force to replace it";
                throw new ArgumentException($"--out: {run.Path} already holds {what}", "--out");
            }

            return;
        }

        // Without config.json or a checkpoint, even a file named like a run's (summary.json) is the user's.
        var contents = run.Contents();
        if (contents.Count > 0)
        {
            var shown = string.Join(", ", contents.Take(3)) + (contents.Count > 3 ? $" and {contents.Count - 3} more" : "");
            throw new ArgumentException($"--out: {run.Path} is not empty and is not a LossLab run (it holds {shown}); choose an empty or new folder", "--out");
        }
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
