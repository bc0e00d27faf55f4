using System.Text.Json.Serialization;

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
        "epoch", "train_loss", "accuracy", "f1_macro", "nmi", "kmeans_nmi", "pair_f1",
        "recall_at_1", "recall_at_2", "recall_at_4", "recall_at_8", "skipped_batches",
        "train_img_per_s", "train_seconds", "eval_seconds",
    ];

    /// <summary>Values in <see cref="Columns"/> order; null where not computed.</summary>
    public IReadOnlyList<double?> Values() =>
    [
        Epoch, TrainLoss, Accuracy, F1Macro, Nmi, KmeansNmi, PairF1,
        RecallAt1, RecallAt2, RecallAt4, RecallAt8, SkippedBatches,
        TrainImgPerS, TrainSeconds, EvalSeconds,
    ];
}
