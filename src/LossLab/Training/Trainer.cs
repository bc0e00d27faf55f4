using System.Diagnostics;
using LossLab.Data;
using LossLab.Evaluation;
using LossLab.Hosting;
using LossLab.Interop;
using LossLab.Losses;
using LossLab.Models;
using LossLab.Runs;

namespace LossLab.Training;

/// <summary>
/// Trains one model with one loss on one dataset, evaluating on the test split after every epoch and
/// keeping the run directory (metrics, summary, checkpoints) current. Every random choice derives from
/// the seed, the epoch and the batch index, so a resumed run retraces an uninterrupted one on the same threads.
/// </summary>
/// <remarks>
/// A run changes nothing in the process beyond seeding libtorch's default generator: it runs on the libtorch threads
/// in force, which the program sets (<see cref="ProcessSettings.ApplyThreads"/> with <see cref="TrainOptions.Threads"/>),
/// and uses malloc and threads as <see cref="ProcessSettings.Apply"/> allowed, if the program called it.
/// </remarks>
public sealed class Trainer
{
    private readonly TrainOptions options;
    private readonly ITrainingObserver observer;

    /// <summary>Creates a trainer; the options are validated here.</summary>
    public Trainer(TrainOptions options, ITrainingObserver observer)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(observer);
        options.Validate();
        this.options = options;
        this.observer = observer;
    }

    /// <summary>Runs (or, with <paramref name="resume"/>, continues) training.</summary>
    /// <param name="data">The dataset.</param>
    /// <param name="run">Where results go. A run it holds is replaced (new run) only when every check has passed
    /// and the new run writes its config.json; until then its files are untouched.</param>
    /// <param name="resume">Continue from <c>last.ckpt</c>, or from <c>best.ckpt</c> when <c>last.ckpt</c> is
    /// missing (both hold the full state of an epoch's end, so either retraces the run); with neither, start from
    /// epoch 1. The checkpoint must be this run's (its run token matches config.json's).</param>
    /// <param name="cancel">Stops after the current batch, saving a checkpoint to resume from.</param>
    /// <param name="commandLine">Recorded in config.json of a new run (a resumed run keeps the one that started it).</param>
    /// <returns>The summary; <see cref="RunSummary.Completed"/> is false when cancelled.</returns>
    /// <exception cref="TrainingDivergedException">A non-finite loss or gradient with <c>--on-nan stop</c>.</exception>
    /// <exception cref="ArgumentException">The data does not fit the options (fewer than 2 classes, fewer test images than classes, ...).</exception>
    /// <exception cref="DataFormatException">The checkpoint to resume from is damaged or belongs to another run.</exception>
    public RunSummary Run(ImageDataset data, RunDirectory run, bool resume, CancellationToken cancel, string? commandLine = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(run);
        var wall = Stopwatch.StartNew();
        RequireClasses(data);

        // With a validation fraction the held-out training images take the place of the test split.
        using var carved = options.ValidationFraction > 0 ? ValidationSplit.Carve(data, options.ValidationFraction) : null;
        data = carved ?? data;
        using var session = new TrainingSession(options, data, observer);
        var (model, loss, optimizer) = (session.Model, session.Loss, session.Optimizer);

        // Data-dependent checks (enough classes and images for a batch and for evaluation) fail here, before any file is written.
        session.Batches(1);
        RequireTestImagePerClass(data, (int)session.TestIndices.shape[0]);
        if (options.Threads is { } asked && asked != session.Threads)
        {
            observer.Info($"warning: the options ask for {asked} libtorch thread(s), {session.Threads} in force; LossLab does not change thread counts itself (ProcessSettings.ApplyThreads does)");
        }

        if (options.BatchSize > session.TrainPositions.Length)
        {
            observer.Info($"batch size {options.BatchSize} is more than the {session.TrainPositions.Length} training images; each batch holds at most {session.TrainPositions.Length}");
        }

        // A process killed while writing leaves its temporary file behind; it is never read, only removed.
        AtomicFile.RemoveStale(run.Path);
        var state = new TrainingState();
        var config = resume ? run.ReadConfig() : null;
        var checkpoint = !resume ? null
            : File.Exists(run.LastCheckpointPath) ? run.LastCheckpointPath
            : File.Exists(run.BestCheckpointPath) ? run.BestCheckpointPath
            : null;
        string token;
        if (checkpoint is not null)
        {
            state = Checkpoint.Load(checkpoint, model, loss, optimizer);
            RequireSameRun(run, checkpoint, config, state);
            token = state.RunToken!;
            if (checkpoint == run.BestCheckpointPath)
            {
                observer.Info($"{run.LastCheckpointPath} is missing; resuming from best.ckpt, the checkpoint of epoch {state.EpochsDone}");
            }

            observer.Info($"resuming {run.Path} after epoch {state.EpochsDone}" + (state.BatchesDone > 0 ? $", batch {state.BatchesDone}" : ""));

            // A kill between writing last.ckpt and the metrics leaves them one epoch behind: the checkpoint rules.
            run.WriteMetrics(state.History);
        }
        else
        {
            if (resume)
            {
                observer.Info($"{run.Path} holds no checkpoint (the run stopped before finishing its first epoch); starting from epoch 1");
            }

            var init = InitializeFrom(run, resume, model, loss);
            token = Guid.NewGuid().ToString("N");
            run.StartRun(new RunConfig
            {
                Options = options,
                DataSource = data.Source,
                TrainImages = session.TrainPositions.Length,
                TrainClassCounts = ClassCounts(data.Train.Labels.index_select(0, session.TrainIndices), data.NumClasses),
                TestImages = (int)session.TestIndices.shape[0],
                NumClasses = data.NumClasses,
                ModelParameters = model.ParameterCount(),
                DeviceUsed = session.Device.type.ToString().ToLowerInvariant(),
                ThreadsUsed = session.Threads,
                Versions = RunVersions.Collect(),
                InitFrom = init,

                // Starting a resumed run over keeps the command that started it.
                CommandLine = config?.CommandLine ?? commandLine,
                RunToken = token,
            });
        }

        var evaluator = new Evaluator(new BatchTransform(data.Mean, data.Std), session.Device);
        var history = state.History.ToList();

        for (var epoch = state.EpochsDone + 1; epoch <= options.Epochs; epoch++)
        {
            var batches = session.Batches(epoch);
            observer.EpochStarted(epoch, options.Epochs, batches.Length);
            var start = new EpochProgress(state.BatchesDone, state.LossSum, state.SkippedBatches, 0, state.TrainSeconds);
            var progress = session.Train(epoch, batches, start, batches.Length, cancel);
            if (progress.BatchesDone < batches.Length)
            {
                EnsureFiniteWeights(model, loss, epoch, progress.BatchesDone);
                var partial = new TrainingState
                {
                    EpochsDone = epoch - 1,
                    BatchesDone = progress.BatchesDone,
                    LossSum = progress.LossSum,
                    SkippedBatches = progress.Skipped,
                    TrainSeconds = progress.Seconds,
                    History = history,
                    RunToken = token,
                };
                Checkpoint.Save(run.LastCheckpointPath, model, loss, optimizer, partial);
                return WriteSummary(run, history, completed: false, wall);
            }

            var evalWatch = Stopwatch.StartNew();
            var metrics = evaluator.Evaluate(model, loss, data, session.TrainIndices, session.TestIndices, options.EmbeddingMetrics, options.Seed, options.ClassMeanImages);
            var trained = batches.Length - progress.Skipped;
            metrics = metrics with
            {
                Epoch = epoch,
                TrainLoss = trained > 0 ? progress.LossSum / trained : double.NaN,
                SkippedBatches = progress.Skipped,
                TrainSeconds = progress.Seconds,
                TrainImgPerS = batches.Sum(x => x.Length) / Math.Max(1e-9, progress.Seconds),
                EvalSeconds = evalWatch.Elapsed.TotalSeconds,
            };
            EnsureFiniteWeights(model, loss, epoch, batches.Length);
            history.Add(metrics);
            state = new TrainingState { EpochsDone = epoch, History = history, RunToken = token };

            // Order matters for a kill between two writes: best.ckpt before last.ckpt, so a resume retrains
            // (and re-saves) an epoch whose best.ckpt may be missing; the metrics only after last.ckpt, so a
            // failed checkpoint write leaves the metrics of the previous one.
            if (history.MaxBy(h => h.F1Macro) == metrics)
            {
                Checkpoint.Save(run.BestCheckpointPath, model, loss, optimizer, state);
            }

            Checkpoint.Save(run.LastCheckpointPath, model, loss, optimizer, state);
            run.WriteMetrics(history);
            WriteSummary(run, history, completed: epoch == options.Epochs, wall);

            // Only when the host keeps freed memory (ProcessSettings.KeepFreedMemory); malloc trims by itself otherwise.
            NativeAllocator.ReleaseFreeMemory();
            observer.EpochFinished(metrics, options.Epochs);
        }

        return WriteSummary(run, history, completed: true, wall);
    }

    /// <summary>
    /// Loads <see cref="TrainOptions.InitFrom"/> into the fresh model and loss, and prints what was loaded. A resumed
    /// run that restarts from scratch (no checkpoint yet) must find the file it started from unchanged.
    /// </summary>
    private InitFromRecord? InitializeFrom(RunDirectory run, bool resume, LabModel model, LossModule loss)
    {
        if (options.InitFrom is null)
        {
            return null;
        }

        using var file = PyTorchStateDict.Read(options.InitFrom);
        var recorded = resume ? run.ReadConfig()?.InitFrom : null;
        if (recorded is not null && recorded.Sha256 != file.Sha256)
        {
            throw new DataFormatException(file.Path, $"changed since the run started (sha256 {file.Sha256}, recorded {recorded.Sha256}); start a new run to use it");
        }

        var record = StateDictLoader.Load(model, loss, file, options.InitFromStrict);
        foreach (var line in StateDictLoader.Describe(record))
        {
            observer.Info(line);
        }

        return record;
    }

    /// <summary>A classifier needs two classes: with one, every loss reaches 0 and every metric reads 1 without learning anything.</summary>
    private static void RequireClasses(ImageDataset data)
    {
        if (data.NumClasses < 2)
        {
            throw new ArgumentException(
                $"--dataset: {data.Name} has {data.NumClasses} class{(data.NumClasses == 1 ? $" ('{data.ClassNames[0]}')" : "es")}; training and its metrics need at least 2",
                "--dataset");
        }
    }

    /// <summary>Evaluation (macro-F1, NMI, k-means with one cluster per class) needs at least as many images as classes.</summary>
    private void RequireTestImagePerClass(ImageDataset data, int testImages)
    {
        if (testImages >= data.NumClasses)
        {
            return;
        }

        if (options.TestLimit is { } limit && limit < data.NumClasses)
        {
            throw new ArgumentOutOfRangeException(
                "--test-limit",
                $"--test-limit {limit} is below the {data.NumClasses} classes of {data.Name}: evaluation needs at least one image per class");
        }

        var split = options.ValidationFraction > 0 ? "validation" : "test";
        throw new ArgumentException(
            $"--dataset: the {split} split of {data.Name} holds {testImages} images for {data.NumClasses} classes; evaluation needs at least one image per class",
            "--dataset");
    }

    /// <summary>Refuses a checkpoint that another run wrote (its run token differs from config.json's) or that cannot be told apart.</summary>
    private static void RequireSameRun(RunDirectory run, string checkpoint, RunConfig? config, TrainingState state)
    {
        if (config is null)
        {
            throw new DataFormatException(run.ConfigPath, $"not found: without it there is no telling whether {Path.GetFileName(checkpoint)} belongs to this folder's run");
        }

        if (config.RunToken is null && state.RunToken is null)
        {
            throw new DataFormatException(
                checkpoint,
                "written by an earlier LossLab version, which did not record the run a checkpoint belongs to, so it cannot be checked against config.json; " +
                "to train this run again, start it afresh (losslab train with the same options, --out and --force), or finish it with the version that started it");
        }

        if (config.RunToken != state.RunToken)
        {
            throw new DataFormatException(
                checkpoint,
                $"belongs to another run (its run token is {state.RunToken ?? "missing"}, config.json's is {config.RunToken ?? "missing"}): it was copied here " +
                "or left by another run; remove it to train this run from its last own checkpoint, or from epoch 1");
        }
    }

    /// <summary>Stops the run, before anything is saved, when a weight is no longer finite.</summary>
    internal static void EnsureFiniteWeights(LabModel model, LossModule loss, int epoch, int batch, string? what = null)
    {
        var bad = Checkpoint.FirstNonFinite(model) ?? Checkpoint.FirstNonFinite(loss);
        if (bad is not null)
        {
            throw new TrainingDivergedException(epoch, batch, (what is null ? "" : what + ", and ") + $"'{bad}' holds NaN or Inf");
        }
    }

    private static long[] ClassCounts(TorchSharp.torch.Tensor labels, int numClasses)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        return labels.cpu().bincount(null, numClasses).data<long>().ToArray();
    }

    private RunSummary WriteSummary(RunDirectory run, List<EpochMetrics> history, bool completed, Stopwatch wall)
    {
        var previous = run.ReadSummary();
        var summary = new RunSummary
        {
            Completed = completed,
            Epochs = history.Count,
            Final = history.LastOrDefault(),
            Best = history.MaxBy(h => h.F1Macro),
            WallSeconds = (previous?.WallSeconds ?? 0) + wall.Elapsed.TotalSeconds,
            Dataset = options.Dataset,
            Model = options.Model,
            Loss = options.Loss,
            Seed = options.Seed,
        };
        run.WriteSummary(summary);
        wall.Restart();
        return summary;
    }
}
