using System.Diagnostics;
using LossLab.Data;
using LossLab.Evaluation;
using LossLab.Hosting;
using LossLab.Losses;
using LossLab.Models;
using LossLab.Runs;

namespace LossLab.Training;

/// <summary>
/// Trains one model with one loss on one dataset, evaluating on the test split after every epoch and
/// keeping the run directory (metrics, summary, checkpoints) current. Every random choice derives from
/// the seed, the epoch and the batch index, so a resumed run retraces an uninterrupted one.
/// </summary>
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
    /// <param name="run">Where results go.</param>
    /// <param name="resume">Continue from <c>last.ckpt</c> when it exists.</param>
    /// <param name="cancel">Stops after the current batch, saving a checkpoint to resume from.</param>
    /// <param name="commandLine">Recorded in config.json.</param>
    /// <returns>The summary; <see cref="RunSummary.Completed"/> is false when cancelled.</returns>
    /// <exception cref="TrainingDivergedException">A non-finite loss or gradient with <c>--on-nan stop</c>.</exception>
    public RunSummary Run(ImageDataset data, RunDirectory run, bool resume, CancellationToken cancel, string? commandLine = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(run);
        var wall = Stopwatch.StartNew();

        // With a validation fraction the held-out training images take the place of the test split.
        using var carved = options.ValidationFraction > 0 ? ValidationSplit.Carve(data, options.ValidationFraction) : null;
        data = carved ?? data;
        using var session = new TrainingSession(options, data, observer);
        var (model, loss, optimizer) = (session.Model, session.Loss, session.Optimizer);

        // Data-dependent checks (enough classes and images for a batch) fail here, before any file is written.
        session.Batches(1);

        // A process killed while writing leaves its temporary file behind; it is never read, only removed.
        AtomicFile.RemoveStale(run.Path);
        var state = new TrainingState();
        if (resume && File.Exists(run.LastCheckpointPath))
        {
            state = Checkpoint.Load(run.LastCheckpointPath, model, loss, optimizer);
            observer.Info($"resuming {run.Path} after epoch {state.EpochsDone}" + (state.BatchesDone > 0 ? $", batch {state.BatchesDone}" : ""));

            // A kill between writing last.ckpt and the metrics leaves them one epoch behind: the checkpoint rules.
            run.WriteMetrics(state.History);
        }
        else
        {
            run.WriteConfig(new RunConfig
            {
                Options = options,
                LossParameters = LossRegistry.DescribeEffective(options.Loss, options.LossOptions),
                DataSource = data.Source,
                TrainImages = session.TrainPositions.Length,
                TestImages = (int)session.TestIndices.shape[0],
                NumClasses = data.NumClasses,
                ModelParameters = model.ParameterCount(),
                DeviceUsed = session.Device.type.ToString().ToLowerInvariant(),
                ThreadsUsed = session.Threads,
                Versions = RunVersions.Collect(),
                CommandLine = commandLine,
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
                };
                Checkpoint.Save(run.LastCheckpointPath, model, loss, optimizer, partial);
                return WriteSummary(run, history, completed: false, wall);
            }

            var evalWatch = Stopwatch.StartNew();
            var metrics = evaluator.Evaluate(model, loss.Input, data, session.TrainIndices, session.TestIndices, options.EmbeddingMetrics, options.Seed, options.ClassMeanImages);
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
            state = new TrainingState { EpochsDone = epoch, History = history };

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
            NativeAllocator.ReleaseFreeMemory();
            observer.EpochFinished(metrics, options.Epochs);
        }

        return WriteSummary(run, history, completed: true, wall);
    }

    /// <summary>The optimizer this trainer's runs use: the model's parameters in one group, each loss parameter group with its own learning rate.</summary>
    internal TorchSharp.torch.optim.Optimizer CreateOptimizer(LabModel model, LossModule loss) =>
        TrainingSession.CreateOptimizer(options, model, loss);

    /// <summary>Stops the run, before anything is saved, when a weight is no longer finite.</summary>
    internal static void EnsureFiniteWeights(LabModel model, LossModule loss, int epoch, int batch, string? what = null)
    {
        var bad = Checkpoint.FirstNonFinite(model) ?? Checkpoint.FirstNonFinite(loss);
        if (bad is not null)
        {
            throw new TrainingDivergedException(epoch, batch, (what is null ? "" : what + ", and ") + $"'{bad}' holds NaN or Inf");
        }
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
