namespace LossLab.Cli.Benchmarking;

/// <summary>
/// What <c>losslab bench</c> measured: medians over interleaved repeats, their ratios, and the repeats themselves.
/// FLOPs count conv and linear multiply-adds ×2 (<see cref="Models.ModelFlops"/>); a training step is taken as
/// 3× the forward FLOPs (forward, then the gradients of inputs and of weights in the backward pass).
/// Absent measurements are null.
/// </summary>
public sealed record BenchReport
{
    /// <summary>Architecture.</summary>
    public required string Model { get; init; }

    /// <summary>Loss trained with.</summary>
    public required string Loss { get; init; }

    /// <summary>Images per batch.</summary>
    public int BatchSize { get; init; }

    /// <summary>Timed steps per repeat.</summary>
    public int Steps { get; init; }

    /// <summary>Interleaved repeats.</summary>
    public int Repeats { get; init; }

    /// <summary>libtorch intra-op threads.</summary>
    public int Threads { get; init; }

    /// <summary>Whether malloc keeps freed memory for reuse (<see cref="Hosting.NativeAllocator"/>).</summary>
    public bool KeepsFreedMemory { get; init; }

    /// <summary>The OpenMP wait policy libtorch's threads run with (<see cref="Hosting.NativeDefaults"/>); null means libgomp's default, spinning.</summary>
    public string? OmpWaitPolicy { get; init; }

    /// <summary>The instruction-set limit oneDNN runs with (<see cref="Hosting.NativeDefaults"/>); null means none.</summary>
    public string? OneDnnMaxCpuIsa { get; init; }

    /// <summary>Where the pipeline's images came from.</summary>
    public string? Dataset { get; init; }

    /// <summary>Median images/s of the pure step (forward, loss, backward, optimizer step on synthetic tensors).</summary>
    public double? TrainImgPerS { get; init; }

    /// <summary>Median images/s of the trainer's loop: sampler, gather, augmentation and prefetch, the step with its checks, progress logging.</summary>
    public double? PipelineImgPerS { get; init; }

    /// <summary><see cref="PipelineImgPerS"/> / <see cref="TrainImgPerS"/>.</summary>
    public double? PipelineOverTrain { get; init; }

    /// <summary>Forward FLOPs of one image.</summary>
    public long? ForwardFlopsPerImage { get; init; }

    /// <summary>FLOP/s of the pure step: 3 × forward FLOPs × <see cref="TrainImgPerS"/>.</summary>
    public double? TrainFlopsPerS { get; init; }

    /// <summary>Median FLOP/s of libtorch multiplying two square float32 matrices, in the same run.</summary>
    public double? MatmulFlopsPerS { get; init; }

    /// <summary><see cref="TrainFlopsPerS"/> / <see cref="MatmulFlopsPerS"/>.</summary>
    public double? TrainOverMatmul { get; init; }

    /// <summary>Median seconds of the embedding metrics (normalise, k-means, NMI, pair F1, Recall@1–8).</summary>
    public double? EvalSeconds { get; init; }

    /// <summary>Rows × width of the embeddings timed.</summary>
    public string? EvalShape { get; init; }

    /// <summary>Largest rise of the peak resident memory (VmHWM) above the resident memory before an evaluation, MiB.</summary>
    public double? EvalPeakMb { get; init; }

    /// <summary>Median seconds of the end-to-end evaluation of <c>--eval-run</c> (forward passes, prediction, metrics), or null.</summary>
    public double? EvaluationSeconds { get; init; }

    /// <summary>What the end-to-end evaluation covers.</summary>
    public string? EvaluationShape { get; init; }

    /// <summary>Test accuracy that evaluation gave (the same every repeat).</summary>
    public double? EvaluationAccuracy { get; init; }

    /// <summary>Test macro-F1 that evaluation gave.</summary>
    public double? EvaluationF1Macro { get; init; }

    /// <summary>The improved loss against cross-entropy, when asked for.</summary>
    public LossTiming? LossTiming { get; init; }

    /// <summary>The metric losses against cross-entropy on the same embeddings, when asked for.</summary>
    public EmbeddingLossTiming? EmbeddingLossTiming { get; init; }

    /// <summary>Resident memory after each epoch of a small training run, when asked for.</summary>
    public MemoryTrace? Memory { get; init; }

    /// <summary>Resident memory at the end, MiB.</summary>
    public double RssMb { get; init; }

    /// <summary>Every repeat of every measurement, in order.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<double>> Runs { get; init; } = new Dictionary<string, IReadOnlyList<double>>();
}
