using System.Diagnostics;
using LossLab.Data;
using LossLab.Hosting;
using LossLab.Losses;
using LossLab.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LossLab.Training;

/// <summary>
/// The batch loop of one run: the model, loss and optimizer that <see cref="TrainOptions"/> describe, the selected
/// training and test images, and the pipeline that samples batches, gathers and augments them on a background
/// thread (<see cref="Prefetcher{T}"/>) and trains on them. <see cref="Trainer"/> runs whole epochs with it;
/// <c>losslab bench</c> runs a few steps of it, so both measure the same code.
/// </summary>
internal sealed class TrainingSession : IDisposable
{
    private readonly TrainOptions options;
    private readonly ITrainingObserver observer;
    private readonly ImageDataset data;
    private readonly long[] trainLabels;

    // What the host allowed (ProcessSettings): with freed memory kept, one thread prepares every epoch's batches (see
    // ProducerThread for why), started by the first Train so that a session whose construction fails leaves no thread
    // behind; otherwise each epoch's prefetcher has a thread of its own that ends with the epoch.
    private readonly bool keepProducer;
    private readonly bool oneTorchThreadPrefetch;
    private ProducerThread? producer;

    /// <summary>
    /// Seeds libtorch, selects the images and builds loss, model (in that order, so the initial weights depend on the
    /// seed only) and optimizer on the resolved device. Runs on the libtorch threads in force, which the host sets
    /// (<see cref="ProcessSettings.ApplyThreads"/>).
    /// </summary>
    public TrainingSession(TrainOptions options, ImageDataset data, ITrainingObserver observer)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(observer);
        this.options = options;
        this.data = data;
        this.observer = observer;
        var host = ProcessSettings.Current;
        keepProducer = host?.KeepFreedMemory == true;
        oneTorchThreadPrefetch = host?.SingleThreadedPrefetch == true;
        Threads = torch.get_num_threads();
        Device = DeviceSelector.Resolve(options.Device);
        torch.manual_seed(options.Seed);

        TrainIndices = RunSubsets.Train(options, data);
        TestIndices = RunSubsets.Test(options, data);
        TrainPositions = TrainIndices.data<long>().ToArray();
        using (var selected = data.Train.Labels.index_select(0, TrainIndices))
        {
            trainLabels = selected.data<long>().ToArray();
        }

        Loss = CreateLoss(options, data.NumClasses, trainLabels);
        Model = ModelRegistry.Create(options.Model, data.Channels, Loss.Input == LossInput.Logits ? data.NumClasses : 0, options.EmbeddingDim);
        Model.to(Device);
        Loss.to(Device);
        Optimizer = CreateOptimizer(options, Model, Loss);

        var augment = options.Augment == AugmentMode.On || (options.Augment == AugmentMode.Auto && data.Channels == 3 && data.Height == 32);
        Transform = new BatchTransform(data.Mean, data.Std, augment ? new AugmentOptions() : null);
    }

    /// <summary>The model.</summary>
    public LabModel Model { get; }

    /// <summary>The loss.</summary>
    public LossModule Loss { get; }

    /// <summary>The optimizer over the model's and the loss's parameters.</summary>
    public optim.Optimizer Optimizer { get; }

    /// <summary>Training device.</summary>
    public Device Device { get; }

    /// <summary>libtorch intra-op threads in force on the thread that created the session.</summary>
    public int Threads { get; }

    /// <summary>(M) int64 indices of the training images used (after imbalance and limit).</summary>
    public Tensor TrainIndices { get; }

    /// <summary>(T) int64 indices of the test images used.</summary>
    public Tensor TestIndices { get; }

    /// <summary>Positions in the training split of the selected images, as <see cref="TrainIndices"/>.</summary>
    public long[] TrainPositions { get; }

    /// <summary>Augmentation and normalisation of training batches.</summary>
    public BatchTransform Transform { get; }

    /// <summary>Seed of the augmentation of one batch: a function of run seed, epoch and batch only.</summary>
    public static int BatchSeed(int seed, int epoch, int batch) =>
        EpochOrder.EpochSeed(EpochOrder.EpochSeed(seed, epoch), batch);

    /// <summary>
    /// The batches of an epoch (indices into <see cref="TrainPositions"/>): P×K batches when the loss needs them, else a
    /// shuffled order. For every loss a batch holds at most the whole training subset, however large the batch size.
    /// </summary>
    public int[][] Batches(int epoch)
    {
        var batchSize = Math.Min(options.BatchSize, trainLabels.Length);
        if (Loss.NeedsPkBatches)
        {
            // The classes the training subset holds (a small --train-limit may leave out some).
            var classes = trainLabels.Distinct().Count();
            var k = options.SamplesPerClass;
            var p = Math.Min(classes, batchSize / k);
            if (p < 2)
            {
                var tooFewImages = classes < 2 || batchSize < options.BatchSize;
                throw new ArgumentOutOfRangeException(
                    tooFewImages ? "--train-limit" : "--batch-size",
                    tooFewImages ? trainLabels.Length : options.BatchSize,
                    $"a P×K batch needs at least 2 classes × {k} samples = {2 * k} images; the training set holds {classes} class(es)");
            }

            if (p == classes)
            {
                // Fewer classes than the batch has room for: more samples per class keep the batch size.
                k = Math.Max(k, batchSize / classes);
            }

            using var labelTensor = torch.tensor(trainLabels);
            return new PkBatchSampler(labelTensor, p * k, k).Batches(options.Seed, epoch);
        }

        var order = EpochOrder.Shuffle(trainLabels.Length, options.Seed, epoch);
        var batches = EpochOrder.Batches(order, batchSize).Where(c => c.Length >= 2).ToArray();
        return batches.Length > 0
            ? batches
            : throw new ArgumentOutOfRangeException("--train-limit", trainLabels.Length, "the training set needs at least 2 images for one batch");
    }

    /// <summary>
    /// Trains on batches [<paramref name="start"/>.BatchesDone, <paramref name="end"/>) of <paramref name="batches"/>,
    /// preparing each next batch on a background thread, and reports every batch to the observer. Stops early,
    /// before a batch, when <paramref name="cancel"/> is set.
    /// </summary>
    /// <returns>The progress after the last batch trained; fewer batches than asked means it was cancelled.</returns>
    /// <exception cref="TrainingDivergedException">A non-finite loss or gradient with <c>--on-nan stop</c>.</exception>
    public EpochProgress Train(int epoch, int[][] batches, EpochProgress start, int end, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(batches);
        ArgumentNullException.ThrowIfNull(start);
        Model.train();
        var (lossSum, skipped, images) = (start.LossSum, start.Skipped, 0L);
        var watch = Stopwatch.StartNew();
        var b = start.BatchesDone;
        if (keepProducer)
        {
            producer ??= new ProducerThread("losslab-prefetch");
        }

        using (var prefetch = new Prefetcher<Batch>(b, end, i => MakeBatch(batches[i], BatchSeed(options.Seed, epoch, i)), producer: producer, oneTorchThread: oneTorchThreadPrefetch))
        {
            for (; b < end && !cancel.IsCancellationRequested; b++)
            {
                using var batch = prefetch.Take();

                // Losses that sample (triplet, margin, ...) draw from torch's generator: seeding it per
                // batch keeps a resumed run on the same draws as an uninterrupted one.
                torch.manual_seed(BatchSeed(options.Seed, epoch, b) ^ 0x5EED);
                var value = Step(batch, epoch, b + 1);
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

        return new EpochProgress(b, lossSum, skipped, images, start.Seconds + watch.Elapsed.TotalSeconds);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        producer?.Dispose();
        Optimizer.Dispose();
        Model.Dispose();
        Loss.Dispose();
        TrainIndices.Dispose();
        TestIndices.Dispose();
    }

    private Batch MakeBatch(int[] batch, int seed)
    {
        using var scope = torch.NewDisposeScope();
        var idx = torch.tensor(Array.ConvertAll(batch, i => TrainPositions[i]));
        var images = Transform.Apply(data.Train.Images.index_select(0, idx), new Random(seed));
        var labels = data.Train.Labels.index_select(0, idx);
        return new Batch(images.to(Device).MoveToOuterDisposeScope(), labels.to(Device).MoveToOuterDisposeScope());
    }

    private double? Step(Batch batch, int epoch, int index)
    {
        using var scope = torch.NewDisposeScope();
        Optimizer.zero_grad();
        var output = Model.forward(batch.Images);
        var input = Loss.Input == LossInput.Logits ? output.Logits! : output.Embedding;
        var value = Loss.forward(input, batch.Labels);
        var scalar = value.item<float>();
        if (!float.IsFinite(scalar))
        {
            return OnNonFinite(epoch, index, FormattableString.Invariant($"loss = {scalar}"));
        }

        value.backward();
        var badGradient = FirstNonFiniteGradient(Model) ?? FirstNonFiniteGradient(Loss);
        if (badGradient is not null)
        {
            Optimizer.zero_grad();
            return OnNonFinite(epoch, index, FormattableString.Invariant($"loss = {scalar}, gradient of '{badGradient}' is not finite"));
        }

        Optimizer.step();
        return scalar;
    }

    private double? OnNonFinite(int epoch, int batch, string what)
    {
        if (options.OnNan == NanPolicy.SkipBatch)
        {
            // Skipping helps a batch that went wrong, not weights that already are NaN: every later batch would fail too.
            Trainer.EnsureFiniteWeights(Model, Loss, epoch, batch, what);
            observer.Info($"skipping epoch {epoch} batch {batch}: {what}");
            return null;
        }

        throw new TrainingDivergedException(epoch, batch, what);
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

    /// <summary>The run's loss, told the number of classes, the embedding width and the images per class of <paramref name="trainLabels"/>.</summary>
    internal static LossModule CreateLoss(TrainOptions options, int numClasses, IEnumerable<long> trainLabels)
    {
        var counts = new long[numClasses];
        foreach (var label in trainLabels)
        {
            counts[label]++;
        }

        return LossRegistry.Create(options.LossOptions, new LossContext(numClasses, options.EmbeddingDim, counts));
    }

    internal static optim.Optimizer CreateOptimizer(TrainOptions options, LabModel model, LossModule loss)
    {
        var lossParameters = loss.ParameterGroups;
        if (options.Optimizer == OptimizerKind.Sgd)
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
}
