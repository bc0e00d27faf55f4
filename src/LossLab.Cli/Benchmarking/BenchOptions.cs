using LossLab.Data;

namespace LossLab.Cli.Benchmarking;

/// <summary>What <c>losslab bench</c> measures and how often; every measurement is repeated and the medians reported.</summary>
public sealed record BenchOptions
{
    /// <summary>Architecture. Default small-cnn.</summary>
    public string Model { get; init; } = "small-cnn";

    /// <summary>Loss trained with. Default ce (the PyTorch reference trains with cross-entropy).</summary>
    public string Loss { get; init; } = "ce";

    /// <summary>Images per batch. Default 128.</summary>
    public int BatchSize { get; init; } = 128;

    /// <summary>Timed training steps per repeat, for the pure step and for the pipeline each. Default 5; 0 skips training.</summary>
    public int Steps { get; init; } = 5;

    /// <summary>Also time the trainer's full pipeline besides the pure step. Default true.</summary>
    public bool Pipeline { get; init; } = true;

    /// <summary>Untimed steps of each kind before the first repeat (libtorch and oneDNN set themselves up). Default 1.</summary>
    public int WarmupSteps { get; init; } = 1;

    /// <summary>Interleaved repeats; medians are taken over them. Default 5.</summary>
    public int Repeats { get; init; } = 5;

    /// <summary>libtorch intra-op threads; null uses every core.</summary>
    public int? Threads { get; init; }

    /// <summary>Dataset spec of the pipeline (<c>folder:PATH</c>, <c>cifar10</c>, ...); null picks <see cref="DefaultDataset"/>.</summary>
    public string? Dataset { get; init; }

    /// <summary>Data root (<c>--data-dir</c>).</summary>
    public string? DataDir { get; init; }

    /// <summary>Seed of model initialisation, sampling, augmentation and synthetic data. Default 1.</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Side of the square float32 matrices whose product measures libtorch's matrix-multiply FLOP/s. Default 2048.</summary>
    public int MatmulSize { get; init; } = 2048;

    /// <summary>Also time the embedding metrics (k-means NMI, pair F1, Recall@K) each repeat. Default false.</summary>
    public bool Eval { get; init; }

    /// <summary>Embeddings of the metrics timing. Default 10,000.</summary>
    public int EvalPoints { get; init; } = 10_000;

    /// <summary>Embedding width of the metrics timing. Default 128.</summary>
    public int EvalDim { get; init; } = 128;

    /// <summary>Classes (= k-means clusters) of the metrics timing. Default 10.</summary>
    public int EvalClasses { get; init; } = 10;

    /// <summary>k-means restarts of the metrics timing; null keeps the evaluation's default (3).</summary>
    public int? EvalRestarts { get; init; }

    /// <summary>Embeddings CSV (label, then values) to time the metrics on instead of synthetic clusters; null for synthetic.</summary>
    public string? EvalCsv { get; init; }

    /// <summary>A saved run (directory) whose end-to-end evaluation to time each repeat, on its last checkpoint; null for none.</summary>
    public string? EvalRun { get; init; }

    /// <summary>Class-mean images of the <see cref="EvalRun"/> evaluation, overriding the run's own setting; null keeps it.</summary>
    public int? ClassMeanImages { get; init; }

    /// <summary>
    /// The pipeline's dataset when none is given: <c>cifar10</c> (colour images, augmented as in training) when its
    /// files are found in <see cref="DataDir"/> or the other places searched, else <c>fashion-mnist</c>.
    /// </summary>
    public string DefaultDataset =>
        DatasetRegistry.Locate("cifar10", new DataOptions { DataDir = DataDir }) is not null ? "cifar10" : "fashion-mnist";

    /// <summary>Checks every value; throws <see cref="ArgumentException"/> naming the option.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 2, "--batch-size");
        ArgumentOutOfRangeException.ThrowIfNegative(Steps, "--steps");
        ArgumentOutOfRangeException.ThrowIfNegative(WarmupSteps, "--warmup");
        ArgumentOutOfRangeException.ThrowIfLessThan(Repeats, 1, "--repeats");
        ArgumentOutOfRangeException.ThrowIfLessThan(MatmulSize, 16, "--matmul-size");
        ArgumentOutOfRangeException.ThrowIfLessThan(EvalPoints, 2, "--n");
        ArgumentOutOfRangeException.ThrowIfLessThan(EvalDim, 1, "--dim");
        ArgumentOutOfRangeException.ThrowIfLessThan(EvalClasses, 1, "--classes");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(EvalClasses, EvalPoints, "--classes");
        if (Threads is < 1)
        {
            throw new ArgumentOutOfRangeException("--threads", Threads, "must be ≥ 1");
        }

        Commands.TrainOptionSet.CheckThreads(Threads);
        if (ClassMeanImages is < 1)
        {
            throw new ArgumentOutOfRangeException("--class-mean-images", ClassMeanImages, "must be ≥ 1");
        }

        if (EvalRestarts is < 1 or > Commands.MetricsCommand.MaxRestarts)
        {
            throw new ArgumentOutOfRangeException("--restarts", EvalRestarts, $"--restarts must be ≥ 1 and at most {Commands.MetricsCommand.MaxRestarts}");
        }
    }

    /// <summary>The training options of the run being timed: these settings on the CPU, the rest at their defaults.</summary>
    public Training.TrainOptions ToTrainOptions() => new()
    {
        Dataset = Dataset ?? DefaultDataset,
        DataDir = DataDir,
        Model = Model,
        LossOptions = Losses.LossRegistry.Find(Loss).Defaults,
        BatchSize = BatchSize,
        Threads = Threads,
        Seed = Seed,
        Device = Training.DeviceKind.Cpu,
    };
}
