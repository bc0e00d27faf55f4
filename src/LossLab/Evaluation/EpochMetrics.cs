using System.Text.Json.Serialization;
using LossLab.Metrics;

namespace LossLab.Evaluation;

/// <summary>One row of <c>metrics.csv</c> / <c>metrics.jsonl</c>: what an epoch did and how the model scored on the test split.</summary>
public sealed record EpochMetrics
{
    /// <summary>1-based epoch.</summary>
    public int Epoch { get; init; }

    /// <summary>Mean training loss over the epoch's batches.</summary>
    public double TrainLoss { get; init; }

    /// <summary>Test accuracy.</summary>
    public double Accuracy { get; init; }

    /// <summary>Test macro-F1 (sklearn's <c>f1_score(average='macro', zero_division=0)</c>).</summary>
    public double F1Macro { get; init; }

    /// <summary>NMI between predicted and true test labels.</summary>
    public double Nmi { get; init; }

    /// <summary>
    /// Balanced accuracy: the mean over the classes present in the test labels of each class's recall (sklearn's
    /// <c>balanced_accuracy_score</c>); null in files written before it was recorded.
    /// </summary>
    public double? BalancedAccuracy { get; init; }

    /// <summary>
    /// Expected calibration error (15 equal-width bins of the top-1 confidence) of the probabilities the model serves
    /// (softmax(s·z), s the loss's <see cref="Losses.LossModule.ServingScale"/>); null (written as null) for losses
    /// without class probabilities.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public double? Ece { get; init; }

    /// <summary>Negative log-likelihood of the test labels under the served probabilities; null as <see cref="Ece"/>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public double? Nll { get; init; }

    /// <summary>Brier score of the served probabilities; null as <see cref="Ece"/>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public double? Brier { get; init; }

    /// <summary>
    /// Recall of each class on the test split, indexed by class; null for a class without test images. Only in the JSON
    /// files (<c>metrics.jsonl</c>, <c>summary.json</c>).
    /// </summary>
    public IReadOnlyList<double?>? ClassRecall { get; init; }

    /// <summary>
    /// The bins of <see cref="Ece"/> (counts, mean confidence, accuracy): the data of a reliability diagram, so that
    /// runs can be pooled. Only in the JSON files; null as <see cref="Ece"/>.
    /// </summary>
    public IReadOnlyList<CalibrationBin>? CalibrationBins { get; init; }

    /// <summary>k-means NMI on the normalised test embeddings; null when embedding metrics are off.</summary>
    public double? KmeansNmi { get; init; }

    /// <summary>Pair-counting F1 of the k-means clusters.</summary>
    public double? PairF1 { get; init; }

    /// <summary>Recall@1 (leave-one-out nearest neighbour on the test embeddings).</summary>
    [JsonPropertyName("recall_at_1")]
    public double? RecallAt1 { get; init; }

    /// <summary>Recall@2.</summary>
    [JsonPropertyName("recall_at_2")]
    public double? RecallAt2 { get; init; }

    /// <summary>Recall@4.</summary>
    [JsonPropertyName("recall_at_4")]
    public double? RecallAt4 { get; init; }

    /// <summary>Recall@8.</summary>
    [JsonPropertyName("recall_at_8")]
    public double? RecallAt8 { get; init; }

    /// <summary>Batches skipped because of a non-finite loss (<c>--on-nan skip-batch</c>).</summary>
    public int SkippedBatches { get; init; }

    /// <summary>Training throughput in images per second.</summary>
    public double TrainImgPerS { get; init; }

    /// <summary>Wall time of the training part of the epoch.</summary>
    public double TrainSeconds { get; init; }

    /// <summary>Wall time of the evaluation.</summary>
    public double EvalSeconds { get; init; }

    /// <summary>Column names in CSV order (snake_case, as in the JSON files).</summary>
    public static IReadOnlyList<string> Columns { get; } =
    [
        "epoch", "train_loss", "accuracy", "f1_macro", "nmi", "balanced_accuracy", "ece", "nll", "brier", "kmeans_nmi", "pair_f1",
        "recall_at_1", "recall_at_2", "recall_at_4", "recall_at_8", "skipped_batches",
        "train_img_per_s", "train_seconds", "eval_seconds",
    ];

    /// <summary>Values in <see cref="Columns"/> order; null (an empty CSV cell) where not computed.</summary>
    public IReadOnlyList<double?> Values() =>
    [
        Epoch, TrainLoss, Accuracy, F1Macro, Nmi, BalancedAccuracy, Ece, Nll, Brier, KmeansNmi, PairF1,
        RecallAt1, RecallAt2, RecallAt4, RecallAt8, SkippedBatches,
        TrainImgPerS, TrainSeconds, EvalSeconds,
    ];
}
