using LossLab.Evaluation;
using TorchSharp;

namespace LossLab.Training;

/// <summary>
/// Passes progress on to another observer and writes each epoch's metrics as TensorBoard scalars
/// (<c>train/loss</c>, <c>test/f1_macro</c>, <c>test/nmi</c>, ... with the epoch as step) to an event file in a
/// folder, so <c>tensorboard --logdir</c> shows the curves. The event file is created at the first finished
/// epoch, so a run that is skipped or fails at once leaves none behind.
/// </summary>
public sealed class TensorBoardObserver : ITrainingObserver
{
    private readonly ITrainingObserver inner;
    private readonly string logDirectory;
    private readonly string split;
    private TorchSharp.Modules.SummaryWriter? writer;

    /// <summary>Creates the observer.</summary>
    /// <param name="inner">Receives every notification as well (e.g. a console progress printer).</param>
    /// <param name="logDirectory">Folder of the event files, typically the run directory.</param>
    /// <param name="evaluatedSplit">Tag prefix of the evaluation metrics: <c>test</c> (default) or <c>val</c>.</param>
    public TensorBoardObserver(ITrainingObserver inner, string logDirectory, string evaluatedSplit = "test")
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentException.ThrowIfNullOrWhiteSpace(logDirectory);
        ArgumentException.ThrowIfNullOrWhiteSpace(evaluatedSplit);
        this.inner = inner;
        this.logDirectory = logDirectory;
        split = evaluatedSplit;
    }

    /// <inheritdoc />
    public void EpochStarted(int epoch, int epochs, int batches) => inner.EpochStarted(epoch, epochs, batches);

    /// <inheritdoc />
    public void BatchFinished(int epoch, int batch, int batches, double meanLoss, double imagesPerSecond) =>
        inner.BatchFinished(epoch, batch, batches, meanLoss, imagesPerSecond);

    /// <inheritdoc />
    public void EpochFinished(EpochMetrics metrics, int epochs)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        writer ??= torch.utils.tensorboard.SummaryWriter(logDirectory);

        // TensorBoard expects seconds since 1970; TorchSharp's default wall time is 0.
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        foreach (var (tag, value) in Scalars(metrics, split))
        {
            writer.add_scalar(tag, (float)value, metrics.Epoch, now);
        }

        inner.EpochFinished(metrics, epochs);
    }

    /// <inheritdoc />
    public void Info(string message) => inner.Info(message);

    /// <summary>The tags and values written for one epoch; metrics that were not computed are left out.</summary>
    /// <param name="metrics">The epoch's metrics.</param>
    /// <param name="split">Prefix of the evaluation tags (<c>test</c> or <c>val</c>).</param>
    public static IReadOnlyList<(string Tag, double Value)> Scalars(EpochMetrics metrics, string split)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var scalars = new List<(string, double)>
        {
            ("train/loss", metrics.TrainLoss),
            ("train/images_per_second", metrics.TrainImgPerS),
            ($"{split}/accuracy", metrics.Accuracy),
            ($"{split}/f1_macro", metrics.F1Macro),
            ($"{split}/nmi", metrics.Nmi),
        };
        (string Name, double? Value)[] optional =
        [
            ("kmeans_nmi", metrics.KmeansNmi), ("pair_f1", metrics.PairF1), ("recall_at_1", metrics.RecallAt1),
            ("recall_at_2", metrics.RecallAt2), ("recall_at_4", metrics.RecallAt4), ("recall_at_8", metrics.RecallAt8),
            ("balanced_accuracy", metrics.BalancedAccuracy), ("ece", metrics.Ece), ("nll", metrics.Nll), ("brier", metrics.Brier),
        ];
        scalars.AddRange(optional.Where(o => o.Value is not null).Select(o => ($"{split}/{o.Name}", o.Value!.Value)));
        return scalars.Where(s => double.IsFinite(s.Item2)).ToArray();
    }
}
