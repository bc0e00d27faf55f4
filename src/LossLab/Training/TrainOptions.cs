using System.Globalization;
using System.Text.Json.Serialization;
using LossLab.Data;
using LossLab.Losses;
using LossLab.Models;

namespace LossLab.Training;

/// <summary>Everything a training run needs; serialised into the run's <c>config.json</c>.</summary>
public sealed record TrainOptions
{
    /// <summary>
    /// Upper bound of <see cref="Threads"/>: more than any machine's logical cores; a value beyond it (a typo such
    /// as 100000) would make libtorch start tens of thousands of threads.
    /// </summary>
    public const int MaxThreads = 1024;

    /// <summary>
    /// Upper bound of <see cref="EmbeddingDim"/>: far wider than embeddings are (64 to 2048), while the model's
    /// last layer already holds 512 × 65536 weights (and Adam twice as many moments) at this width.
    /// </summary>
    public const int MaxEmbeddingDim = 65536;

    /// <summary>β₁ of TorchSharp's Adam, which the optimizer is built with.</summary>
    private const double AdamBeta1 = 0.9;

    /// <summary>Dataset spec: <c>fashion-mnist</c>, <c>cifar10</c>, <c>cifar100</c>, <c>cifar100-coarse</c> or <c>folder:PATH</c>. Default fashion-mnist.</summary>
    public string Dataset { get; init; } = "fashion-mnist";

    /// <summary>Architecture name (see <c>losslab models</c>). Default small-cnn.</summary>
    public string Model { get; init; } = "small-cnn";

    /// <summary>
    /// The loss and its hyper-parameters: the options record of one registered loss (see <c>losslab losses</c>), with
    /// every value in force. Default <see cref="ImprovedLossOptions"/> with its defaults.
    /// </summary>
    public LossOptions LossOptions { get; init; } = new ImprovedLossOptions();

    /// <summary>The loss's name, from <see cref="LossOptions"/>.</summary>
    [JsonIgnore]
    public string Loss => LossRegistry.Of(LossOptions).Name;

    /// <summary>Training epochs. Default 2.</summary>
    public int Epochs { get; init; } = 2;

    /// <summary>Mini-batch size. Default 128.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Learning rate of the model. Default 1e-3 (the paper's preset: 1e-5).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Weight decay (L2). Default 0 (the paper's preset: 4e-4).</summary>
    public double WeightDecay { get; init; }

    /// <summary>The optimizer. Default Adam.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    /// <summary>SGD momentum. Default 0.9.</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>Embedding width. Default 128.</summary>
    public int EmbeddingDim { get; init; } = 128;

    /// <summary>Samples per class in a P×K batch for metric losses. Default 4.</summary>
    public int SamplesPerClass { get; init; } = 4;

    /// <summary>Keep this many training images, class-balanced; null keeps all.</summary>
    public int? TrainLimit { get; init; }

    /// <summary>Keep this many test images, class-balanced; null keeps all.</summary>
    public int? TestLimit { get; init; }

    /// <summary>Class-imbalance ratio r ≥ 1 of the training set (class c keeps n·r^(−c/(C−1))); null for none.</summary>
    public double? ImbalanceRatio { get; init; }

    /// <summary>Pad-4 random crop and horizontal flip. Default auto: on for 32×32 colour datasets.</summary>
    public AugmentMode Augment { get; init; } = AugmentMode.Auto;

    /// <summary>Seed of model initialisation, sampling and augmentation. Default 1.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>
    /// CPU threads for libtorch; null uses every core. The program applies them before the run
    /// (<see cref="Hosting.ProcessSettings.ApplyThreads"/>; the CLI does): the library does not change thread counts.
    /// </summary>
    public int? Threads { get; init; }

    /// <summary>Where to train. Default auto: CUDA when available.</summary>
    public DeviceKind Device { get; init; } = DeviceKind.Auto;

    /// <summary>Data root given with <c>--data-dir</c>.</summary>
    public string? DataDir { get; init; }

    /// <summary>Whether missing official archives may be downloaded.</summary>
    public bool Download { get; init; }

    /// <summary>Whether to compute the embedding metrics (k-means NMI, pair F1, Recall@K) every epoch. Default true.</summary>
    public bool EmbeddingMetrics { get; init; } = true;

    /// <summary>
    /// Training images, a seeded class-stratified subset, whose eval-mode embeddings give the class means that
    /// models without a classifier predict by; null (default) uses every training image.
    /// </summary>
    public int? ClassMeanImages { get; init; }

    /// <summary>What a non-finite loss or gradient does. Default stop: the run ends.</summary>
    public NanPolicy OnNan { get; init; } = NanPolicy.Stop;

    /// <summary>
    /// A PyTorch state_dict file (<c>torch.save(model.state_dict(), path)</c>, or <c>losslab export</c>) to start from
    /// instead of the seed's initial weights; null for none. See <see cref="Interop.StateDictLoader"/>.
    /// </summary>
    public string? InitFrom { get; init; }

    /// <summary>Whether <see cref="InitFrom"/> must hold exactly the run's tensors; otherwise those whose names and shapes match are loaded. Default false.</summary>
    public bool InitFromStrict { get; init; }

    /// <summary>
    /// Fraction of the training set, in [0, 0.5), held out class-balanced as a validation split and evaluated
    /// instead of the test split (the same images for every seed and setting, so runs compare on equal terms);
    /// <see cref="TestLimit"/> then limits the validation images. Default 0: evaluate on the test split.
    /// </summary>
    public double ValidationFraction { get; init; }

    /// <summary>Preset the values came from (<c>default</c> or <c>paper</c>).</summary>
    public string Preset { get; init; } = "default";

    /// <summary>Checks every value, including the dataset, model and loss names and the loss's hyper-parameters, before any work starts; throws <see cref="ArgumentException"/> naming the option.</summary>
    public void Validate()
    {
        // Options read back from a damaged config.json may hold nulls where the command line never could.
        ArgumentNullException.ThrowIfNull(Dataset, "--dataset");
        ArgumentNullException.ThrowIfNull(Model, "--model");
        ArgumentNullException.ThrowIfNull(LossOptions, "--loss");
        ArgumentNullException.ThrowIfNull(Preset, "--preset");

        if (!Dataset.StartsWith(DatasetRegistry.FolderPrefix, StringComparison.Ordinal) && !DatasetRegistry.Names.Contains(Dataset, StringComparer.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"--dataset: unknown dataset '{Dataset}'; valid: {string.Join(", ", DatasetRegistry.Names)}, {DatasetRegistry.FolderPrefix}PATH", "--dataset");
        }

        if (!ModelRegistry.Names.Contains(Model, StringComparer.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"--model: unknown model '{Model}'; valid: {string.Join(", ", ModelRegistry.Names)}", "--model");
        }

        // The options record checked its values when they were set; only the class count (known once the data is
        // loaded) can check the number of class weights.
        if (!LossRegistry.All.Any(d => d.OptionsType == LossOptions.GetType()))
        {
            throw new ArgumentException($"--loss: {LossOptions.GetType().Name} are the options of no registered loss; valid losses: {string.Join(", ", LossRegistry.Names)}", "--loss");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(Epochs, 1, "--epochs");
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 2, "--batch-size");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
        {
            throw new ArgumentOutOfRangeException("--lr", LearningRate, "must be a positive number");
        }

        var maxLearningRate = MaxLearningRate(Optimizer);
        if (LearningRate > maxLearningRate)
        {
            throw new ArgumentOutOfRangeException("--lr", LearningRate, string.Create(CultureInfo.InvariantCulture, $"--lr must be at most {maxLearningRate:G2}: {FirstStepReason(Optimizer)}"));
        }

        // The weight decay enters the float32 gradient as a float32 factor.
        if (!(WeightDecay >= 0) || WeightDecay > float.MaxValue)
        {
            throw new ArgumentOutOfRangeException("--weight-decay", WeightDecay, string.Create(CultureInfo.InvariantCulture, $"--weight-decay must be ≥ 0 and at most {(double)float.MaxValue:G2} (a float32 factor)"));
        }

        if (!(Momentum >= 0) || double.IsInfinity(Momentum))
        {
            throw new ArgumentOutOfRangeException("--momentum", Momentum, "must be ≥ 0");
        }

        if (EmbeddingDim is < 2 or > MaxEmbeddingDim)
        {
            throw new ArgumentOutOfRangeException("--embedding-dim", EmbeddingDim, $"--embedding-dim must be ≥ 2 and at most {MaxEmbeddingDim}");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(SamplesPerClass, 2, "--samples-per-class");
        using (var probe = ProbeLoss())
        {
            if (BatchSize < 2 * SamplesPerClass && probe.NeedsPkBatches)
            {
                throw new ArgumentOutOfRangeException(
                    "--batch-size",
                    BatchSize,
                    $"--batch-size: loss '{Loss}' trains on P×K batches, which need at least 2 classes × {SamplesPerClass} samples (--samples-per-class) = {2 * SamplesPerClass} images");
            }

            // Learnable loss parameters (proxies, margin β) train with their own learning rate: the same bound holds.
            foreach (var group in probe.ParameterGroups)
            {
                var rate = group.ResolveLearningRate(LearningRate);
                if (!(rate <= maxLearningRate))
                {
                    var source = group.LearningRate is null ? string.Create(CultureInfo.InvariantCulture, $"--lr × {group.LrMultiplier:G3}") : "its own option";
                    throw new ArgumentOutOfRangeException(
                        GroupOption(group),
                        string.Create(CultureInfo.InvariantCulture, $"loss '{Loss}' trains its {group.Name} at learning rate {rate:G3} ({source}), above {maxLearningRate:G2}: {FirstStepReason(Optimizer)}"));
                }
            }
        }

        if (TrainLimit is < 1)
        {
            throw new ArgumentOutOfRangeException("--train-limit", TrainLimit, "must be ≥ 1");
        }

        if (ClassMeanImages is < 1)
        {
            throw new ArgumentOutOfRangeException("--class-mean-images", ClassMeanImages, "must be ≥ 1");
        }

        if (TestLimit is < 1)
        {
            throw new ArgumentOutOfRangeException("--test-limit", TestLimit, "must be ≥ 1");
        }

        if (ImbalanceRatio is { } ratio && !(ratio >= 1 && !double.IsInfinity(ratio)))
        {
            throw new ArgumentOutOfRangeException("--imbalance-ratio", ratio, "must be ≥ 1");
        }

        if (!(ValidationFraction >= 0 && ValidationFraction < 0.5))
        {
            throw new ArgumentOutOfRangeException("--val-fraction", ValidationFraction, "must be in [0, 0.5)");
        }

        if (Threads is < 1 or > MaxThreads)
        {
            throw new ArgumentOutOfRangeException("--threads", Threads, $"--threads must be ≥ 1 and at most {MaxThreads}");
        }

        if (InitFrom is not null && string.IsNullOrWhiteSpace(InitFrom))
        {
            throw new ArgumentException("--init-from: expected a file name", "--init-from");
        }

        if (InitFromStrict && InitFrom is null)
        {
            throw new ArgumentException("--init-from-strict: needs --init-from FILE", "--init-from-strict");
        }

        RequireDefined(Optimizer, "--optimizer");
        RequireDefined(Augment, "--augment");
        RequireDefined(Device, "--device");
        RequireDefined(OnNan, "--on-nan");
    }

    /// <summary>
    /// The loss built from these options, to ask it whether it draws P×K batches and which parameters it trains,
    /// so those rules live in the loss alone. It has as many classes as the class weights (which must match the
    /// class count), at least 2, one image each.
    /// </summary>
    internal LossModule ProbeLoss()
    {
        var definition = LossRegistry.Of(LossOptions);
        var classes = definition.Options.Select(o => o.Read(LossOptions)).OfType<ClassWeights>().Select(w => w.Weights?.Count ?? 0).Append(2).Max();
        return definition.Create(LossOptions, new LossContext(classes, EmbeddingDim, Enumerable.Repeat(1L, classes).ToArray()));
    }

    /// <summary>
    /// The largest learning rate whose first step float32 weights can hold: Adam's first step moves each weight by
    /// lr / (1 − β₁) = 10 × lr whatever the gradient, and SGD takes lr itself as a float32 factor.
    /// </summary>
    private static double MaxLearningRate(OptimizerKind optimizer) =>
        optimizer == OptimizerKind.Sgd ? float.MaxValue : float.MaxValue * (1 - AdamBeta1);

    private static string FirstStepReason(OptimizerKind optimizer) =>
        optimizer == OptimizerKind.Sgd
            ? "SGD multiplies by the learning rate in float32"
            : "Adam's first step moves every weight by 10 × the learning rate, in float32";

    /// <summary>The option a user changes to lower a loss parameter group's learning rate.</summary>
    private static string GroupOption(LossParameterGroup group) => group.Name switch
    {
        "proxies" => "--proxy-lr-mult",
        "margin-beta" => "--margin-beta-lr",
        _ => "--lr",
    };

    private static void RequireDefined<T>(T value, string option)
        where T : struct, Enum
    {
        if (!Enum.IsDefined(value))
        {
            throw new ArgumentException($"{option}: '{value}' is not valid; valid: {string.Join(", ", EnumNames.Names<T>())}", option);
        }
    }
}
