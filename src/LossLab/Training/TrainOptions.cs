using LossLab.Data;
using LossLab.Losses;
using LossLab.Models;

namespace LossLab.Training;

/// <summary>Everything a training run needs; serialised into the run's <c>config.json</c>.</summary>
public sealed record TrainOptions
{
    /// <summary>Dataset spec: <c>fashion-mnist</c>, <c>cifar10</c>, <c>cifar100</c>, <c>cifar100-coarse</c> or <c>folder:PATH</c>. Default fashion-mnist.</summary>
    public string Dataset { get; init; } = "fashion-mnist";

    /// <summary>Architecture name (see <c>losslab models</c>). Default small-cnn.</summary>
    public string Model { get; init; } = "small-cnn";

    /// <summary>Loss name (see <c>losslab losses</c>). Default improved.</summary>
    public string Loss { get; init; } = "improved";

    /// <summary>Loss hyper-parameters; null fields take the loss's defaults.</summary>
    public LossOptions LossOptions { get; init; } = new();

    /// <summary>Training epochs. Default 2.</summary>
    public int Epochs { get; init; } = 2;

    /// <summary>Mini-batch size. Default 128.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Learning rate of the model. Default 1e-3 (the paper's preset: 1e-5).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Weight decay (L2). Default 0 (the paper's preset: 4e-4).</summary>
    public double WeightDecay { get; init; }

    /// <summary><c>adam</c> (default) or <c>sgd</c>.</summary>
    public string Optimizer { get; init; } = "adam";

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

    /// <summary><c>auto</c> (on for 32×32 colour datasets), <c>on</c> or <c>off</c>: pad-4 random crop and horizontal flip.</summary>
    public string Augment { get; init; } = "auto";

    /// <summary>Seed of model initialisation, sampling and augmentation. Default 1.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>CPU threads for libtorch; null uses every core.</summary>
    public int? Threads { get; init; }

    /// <summary><c>auto</c> (CUDA when available), <c>cpu</c> or <c>cuda</c>.</summary>
    public string Device { get; init; } = "auto";

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

    /// <summary><c>stop</c> (default) ends the run on a non-finite loss or gradient; <c>skip-batch</c> skips that batch.</summary>
    public string OnNan { get; init; } = "stop";

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
        ArgumentNullException.ThrowIfNull(Loss, "--loss");
        ArgumentNullException.ThrowIfNull(LossOptions, "--loss");
        ArgumentNullException.ThrowIfNull(Optimizer, "--optimizer");
        ArgumentNullException.ThrowIfNull(Augment, "--augment");
        ArgumentNullException.ThrowIfNull(Device, "--device");
        ArgumentNullException.ThrowIfNull(OnNan, "--on-nan");
        ArgumentNullException.ThrowIfNull(Preset, "--preset");

        if (!Dataset.StartsWith(DatasetRegistry.FolderPrefix, StringComparison.Ordinal) && !DatasetRegistry.Names.Contains(Dataset, StringComparer.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"--dataset: unknown dataset '{Dataset}'; valid: {string.Join(", ", DatasetRegistry.Names)}, {DatasetRegistry.FolderPrefix}PATH", "--dataset");
        }

        if (!ModelRegistry.Names.Contains(Model, StringComparer.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"--model: unknown model '{Model}'; valid: {string.Join(", ", ModelRegistry.Names)}", "--model");
        }

        if (!LossRegistry.Names.Contains(Loss, StringComparer.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"--loss: unknown loss '{Loss}'; valid: {string.Join(", ", LossRegistry.Names)}", "--loss");
        }

        // Only the class count (known once the data is loaded) can check the number of weights; their values can be checked now.
        var badWeights = LossOptions.Alpha?.Where(a => !(a >= 0) || double.IsInfinity(a)).ToArray() ?? [];
        if (badWeights.Length > 0)
        {
            throw new ArgumentOutOfRangeException(nameof(LossOptions.Alpha), badWeights[0], "loss option Alpha must be finite and ≥ 0 for every class");
        }

        // Resolving the effective settings checks every hyper-parameter's range.
        foreach (var (name, value) in LossRegistry.DescribeEffective(Loss, LossOptions))
        {
            RequireSingleRange(name, value);
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(Epochs, 1, "--epochs");
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 2, "--batch-size");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate))
        {
            throw new ArgumentOutOfRangeException("--lr", LearningRate, "must be a positive number");
        }

        if (!(WeightDecay >= 0) || double.IsInfinity(WeightDecay))
        {
            throw new ArgumentOutOfRangeException("--weight-decay", WeightDecay, "must be ≥ 0");
        }

        if (!(Momentum >= 0) || double.IsInfinity(Momentum))
        {
            throw new ArgumentOutOfRangeException("--momentum", Momentum, "must be ≥ 0");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(EmbeddingDim, 2, "--embedding-dim");
        ArgumentOutOfRangeException.ThrowIfLessThan(SamplesPerClass, 2, "--samples-per-class");
        if (BatchSize < 2 * SamplesPerClass && NeedsPkBatches())
        {
            throw new ArgumentOutOfRangeException(
                "--batch-size",
                BatchSize,
                $"--batch-size: loss '{Loss}' trains on P×K batches, which need at least 2 classes × {SamplesPerClass} samples (--samples-per-class) = {2 * SamplesPerClass} images");
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

        if (Threads is < 1)
        {
            throw new ArgumentOutOfRangeException("--threads", Threads, "must be ≥ 1");
        }

        RequireOneOf("--optimizer", Optimizer, "adam", "sgd");
        RequireOneOf("--augment", Augment, "auto", "on", "off");
        RequireOneOf("--device", Device, "auto", "cpu", "cuda");
        RequireOneOf("--on-nan", OnNan, "stop", "skip-batch");
    }

    /// <summary>Whether the loss draws P×K batches; asks the loss itself, so the rule lives in one place.</summary>
    private bool NeedsPkBatches()
    {
        // A probe with as many classes as --alpha has weights (alpha must match the class count), at least 2.
        using var probe = LossRegistry.Create(Loss, LossOptions, Math.Max(2, LossOptions.Alpha?.Length ?? 0), EmbeddingDim);
        return probe.NeedsPkBatches;
    }

    /// <summary>Losses compute in float32: a larger value would silently become Inf (an --alpha of 1e39 is Inf in every batch).</summary>
    private static void RequireSingleRange(string name, object value)
    {
        var values = value switch
        {
            double d => [d],
            double[] array => array,
            _ => [],
        };
        if (values.Any(v => Math.Abs(v) > float.MaxValue))
        {
            // The parameter name is the LossOptions property, which the command line maps to its flag.
            var property = char.ToUpperInvariant(name[0]) + name[1..];
            throw new ArgumentOutOfRangeException(property, values.First(v => Math.Abs(v) > float.MaxValue), $"loss option {property} must be at most {float.MaxValue:R} in magnitude (losses compute in float32)");
        }
    }

    private static void RequireOneOf(string option, string value, params string[] valid)
    {
        if (!valid.Contains(value, StringComparer.Ordinal))
        {
            throw new ArgumentException($"{option}: '{value}' is not valid; valid: {string.Join(", ", valid)}", option);
        }
    }
}
