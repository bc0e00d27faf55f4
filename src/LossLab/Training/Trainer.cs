using System.Diagnostics;
using LossLab.Data;
using LossLab.Losses;
using LossLab.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

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
        var threads = DeviceSelector.ApplyThreads(options.Threads);
        var device = DeviceSelector.Resolve(options.Device);
        torch.manual_seed(options.Seed);

        using var trainIndices = SelectTrain(data);
        using var testIndices = SelectTest(data);
        var trainPositions = trainIndices.data<long>().ToArray();
        var trainLabels = data.Train.Labels.index_select(0, trainIndices).data<long>().ToArray();

        using var loss = LossRegistry.Create(options.Loss, options.LossOptions, data.NumClasses, options.EmbeddingDim);
        using var model = ModelRegistry.Create(options.Model, data.Channels, loss.Input == LossInput.Logits ? data.NumClasses : 0, options.EmbeddingDim);
        model.to(device);
        loss.to(device);
        using var optimizer = CreateOptimizer(model, loss);

        // Data-dependent checks (enough classes and images for a batch) fail here, before any file is written.
        BuildBatches(loss.NeedsPkBatches, trainLabels, 1);

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
                TrainImages = trainPositions.Length,
                TestImages = (int)testIndices.shape[0],
                NumClasses = data.NumClasses,
                ModelParameters = model.ParameterCount(),
                DeviceUsed = device.type.ToString().ToLowerInvariant(),
                ThreadsUsed = threads,
                Versions = RunVersions.Collect(),
                CommandLine = commandLine,
            });
        }

        var augment = options.Augment == "on" || (options.Augment == "auto" && data.Channels == 3 && data.Height == 32);
        var transform = new BatchTransform(data.Mean, data.Std, augment ? new AugmentOptions() : null);
        var evaluator = new Evaluator(new BatchTransform(data.Mean, data.Std), device);
        var history = state.History.ToList();

        for (var epoch = state.EpochsDone + 1; epoch <= options.Epochs; epoch++)
        {
            var batches = BuildBatches(loss.NeedsPkBatches, trainLabels, epoch);
            observer.EpochStarted(epoch, options.Epochs, batches.Length);
            model.train();
            var startBatch = state.BatchesDone;
            var lossSum = state.LossSum;
            var skipped = state.SkippedBatches;
            var images = 0L;
            var watch = Stopwatch.StartNew();
            var priorSeconds = state.TrainSeconds;
            var epochNumber = epoch;
            using (var prefetch = new Prefetcher<Batch>(startBatch, batches.Length, i => MakeBatch(data.Train, trainPositions, batches[i], transform, device, BatchSeed(options.Seed, epochNumber, i))))
            {
                for (var b = startBatch; b < batches.Length; b++)
                {
                    if (cancel.IsCancellationRequested)
                    {
                        EnsureFiniteWeights(model, loss, epoch, b);
                        var partial = new TrainingState
                        {
                            EpochsDone = epoch - 1,
                            BatchesDone = b,
                            LossSum = lossSum,
                            SkippedBatches = skipped,
                            TrainSeconds = priorSeconds + watch.Elapsed.TotalSeconds,
                            History = history,
                        };
                        Checkpoint.Save(run.LastCheckpointPath, model, loss, optimizer, partial);
                        return WriteSummary(run, history, completed: false, wall);
                    }

                    using var batch = prefetch.Take();

                    // Losses that sample (triplet, margin, ...) draw from torch's generator: seeding it per
                    // batch keeps a resumed run on the same draws as an uninterrupted one.
                    torch.manual_seed(BatchSeed(options.Seed, epoch, b) ^ 0x5EED);
                    var value = Step(model, loss, optimizer, batch, epoch, b + 1);
                    if (value is null)
                    {
                        skipped++;
                    }
                    else
                    {
                        lossSum += value.Value;
                    }

                    images += batch.Count;
                    observer.BatchFinished(epoch, b + 1, batches.Length, lossSum / Math.Max(1, b + 1 - skipped), images / Math.Max(1e-9, watch.Elapsed.TotalSeconds));
                }
            }

            var trainSeconds = priorSeconds + watch.Elapsed.TotalSeconds;
            var evalWatch = Stopwatch.StartNew();
            var metrics = evaluator.Evaluate(model, loss.Input, data, trainIndices, testIndices, options.EmbeddingMetrics, options.Seed);
            var trained = batches.Length - skipped;
            metrics = metrics with
            {
                Epoch = epoch,
                TrainLoss = trained > 0 ? lossSum / trained : double.NaN,
                SkippedBatches = skipped,
                TrainSeconds = trainSeconds,
                TrainImgPerS = batches.Sum(x => x.Length) / Math.Max(1e-9, trainSeconds),
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
            observer.EpochFinished(metrics, options.Epochs);
        }

        return WriteSummary(run, history, completed: true, wall);
    }

    /// <summary>Seed of the augmentation of one batch: a function of run seed, epoch and batch only.</summary>
    internal static int BatchSeed(int seed, int epoch, int batch) =>
        EpochOrder.EpochSeed(EpochOrder.EpochSeed(seed, epoch), batch);

    private static Batch MakeBatch(DatasetSplit split, long[] positions, int[] batch, BatchTransform transform, Device device, int seed)
    {
        using var scope = torch.NewDisposeScope();
        var idx = torch.tensor(batch.Select(i => positions[i]).ToArray());
        var images = transform.Apply(split.Images.index_select(0, idx), new Random(seed));
        var labels = split.Labels.index_select(0, idx);
        return new Batch(images.to(device).MoveToOuterDisposeScope(), labels.to(device).MoveToOuterDisposeScope());
    }

    private double? Step(LabModel model, LossModule loss, optim.Optimizer optimizer, Batch batch, int epoch, int index)
    {
        using var scope = torch.NewDisposeScope();
        optimizer.zero_grad();
        var output = model.forward(batch.Images);
        var input = loss.Input == LossInput.Logits ? output.Logits! : output.Embedding;
        var value = loss.forward(input, batch.Labels);
        var scalar = value.item<float>();
        if (!float.IsFinite(scalar))
        {
            return OnNonFinite(model, loss, epoch, index, FormattableString.Invariant($"loss = {scalar}"));
        }

        value.backward();
        var badGradient = FirstNonFiniteGradient(model) ?? FirstNonFiniteGradient(loss);
        if (badGradient is not null)
        {
            optimizer.zero_grad();
            return OnNonFinite(model, loss, epoch, index, FormattableString.Invariant($"loss = {scalar}, gradient of '{badGradient}' is not finite"));
        }

        optimizer.step();
        return scalar;
    }

    private double? OnNonFinite(LabModel model, LossModule loss, int epoch, int batch, string what)
    {
        if (options.OnNan == "skip-batch")
        {
            // Skipping helps a batch that went wrong, not weights that already are NaN: every later batch would fail too.
            EnsureFiniteWeights(model, loss, epoch, batch, what);
            observer.Info($"skipping epoch {epoch} batch {batch}: {what}");
            return null;
        }

        throw new TrainingDivergedException(epoch, batch, what);
    }

    /// <summary>Stops the run, before anything is saved, when a weight is no longer finite.</summary>
    private static void EnsureFiniteWeights(LabModel model, LossModule loss, int epoch, int batch, string? what = null)
    {
        var bad = Checkpoint.FirstNonFinite(model) ?? Checkpoint.FirstNonFinite(loss);
        if (bad is not null)
        {
            throw new TrainingDivergedException(epoch, batch, (what is null ? "" : what + ", and ") + $"'{bad}' holds NaN or Inf");
        }
    }

    private static string? FirstNonFiniteGradient(nn.Module module)
    {
        var named = module.named_parameters().Where(p => p.parameter.grad is not null).ToArray();
        if (named.Length == 0)
        {
            return null;
        }

        using var scope = torch.NewDisposeScope();
        var finite = torch.stack(named.Select(p => p.parameter.grad!.isfinite().all()).ToArray());
        if (finite.all().item<bool>())
        {
            return null;
        }

        var flags = finite.data<bool>().ToArray();
        return named[Array.IndexOf(flags, false)].name;
    }

    /// <summary>The optimizer of a run: the model's parameters in one group, each loss parameter group with its own learning rate.</summary>
    internal optim.Optimizer CreateOptimizer(LabModel model, LossModule loss)
    {
        var lossParameters = loss.ParameterGroups;
        if (options.Optimizer == "sgd")
        {
            var groups = new List<SGD.ParamGroup>
            {
                new(model.parameters(), new SGD.Options { LearningRate = options.LearningRate, momentum = options.Momentum, weight_decay = options.WeightDecay }),
            };
            groups.AddRange(lossParameters.Select(g => new SGD.ParamGroup(g.Parameters, new SGD.Options { LearningRate = g.ResolveLearningRate(options.LearningRate), momentum = options.Momentum, weight_decay = 0 })));
            return torch.optim.SGD(groups, options.LearningRate, options.Momentum, weight_decay: options.WeightDecay);
        }

        var adamGroups = new List<Adam.ParamGroup>
        {
            new(model.parameters(), new Adam.Options { LearningRate = options.LearningRate, weight_decay = options.WeightDecay }),
        };
        adamGroups.AddRange(lossParameters.Select(g => new Adam.ParamGroup(g.Parameters, new Adam.Options { LearningRate = g.ResolveLearningRate(options.LearningRate), weight_decay = 0 })));
        return torch.optim.Adam(adamGroups, options.LearningRate, weight_decay: options.WeightDecay);
    }

    private int[][] BuildBatches(bool pk, long[] labels, int epoch)
    {
        if (pk)
        {
            // The classes the training subset holds (a small --train-limit may leave out some).
            var classes = labels.Distinct().Count();
            var k = options.SamplesPerClass;
            var p = Math.Min(classes, options.BatchSize / k);
            if (p < 2)
            {
                throw new ArgumentOutOfRangeException(
                    classes < 2 ? "--train-limit" : "--batch-size",
                    classes < 2 ? labels.Length : options.BatchSize,
                    $"a P×K batch needs at least 2 classes × {k} samples = {2 * k} images; the training set holds {classes} class(es)");
            }

            if (p == classes)
            {
                // Fewer classes than the batch has room for: more samples per class keep the batch size.
                k = Math.Max(k, options.BatchSize / classes);
            }

            using var labelTensor = torch.tensor(labels);
            return new PkBatchSampler(labelTensor, p * k, k).Batches(options.Seed, epoch);
        }

        var order = EpochOrder.Shuffle(labels.Length, options.Seed, epoch);
        var batches = order.Chunk(options.BatchSize).Where(c => c.Length >= 2).ToArray();
        return batches.Length > 0
            ? batches
            : throw new ArgumentOutOfRangeException("--train-limit", labels.Length, "the training set needs at least 2 images for one batch");
    }

    private Tensor SelectTrain(ImageDataset data)
    {
        using var scope = torch.NewDisposeScope();
        var labels = data.Train.Labels;
        var indices = options.ImbalanceRatio is { } ratio and > 1
            ? Subsets.Imbalanced(labels, ratio, data.NumClasses)
            : torch.arange(labels.shape[0], dtype: ScalarType.Int64);
        if (options.TrainLimit is { } limit && limit < indices.shape[0])
        {
            indices = indices.index_select(0, Subsets.ClassBalancedLimit(labels.index_select(0, indices), limit, options.Seed));
        }

        return indices.MoveToOuterDisposeScope();
    }

    private Tensor SelectTest(ImageDataset data)
    {
        using var scope = torch.NewDisposeScope();
        var labels = data.Test.Labels;
        var indices = options.TestLimit is { } limit && limit < labels.shape[0]
            ? Subsets.ClassBalancedLimit(labels, limit, options.Seed)
            : torch.arange(labels.shape[0], dtype: ScalarType.Int64);
        return indices.MoveToOuterDisposeScope();
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
