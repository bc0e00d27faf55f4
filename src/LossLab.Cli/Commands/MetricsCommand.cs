using System.CommandLine;
using System.Text.Json;
using LossLab.Metrics;
using LossLab.Runs;

namespace LossLab.Cli.Commands;

/// <summary><c>losslab metrics</c>: the paper's metrics for predictions or embeddings from any tool.</summary>
public static class MetricsCommand
{
    /// <summary>
    /// Most k-means restarts accepted: each restart is a full k-means, and beyond a few dozen the best inertia no
    /// longer moves, while a typo such as 100000 would run for hours.
    /// </summary>
    public const int MaxRestarts = 1000;

    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var predictions = new Option<string?>("--predictions") { Description = "CSV with columns label,prediction (optionally p0..p{C-1}, the class probabilities): prints accuracy, f1_macro, nmi (and ece, nll, brier)" };
        var embeddings = new Option<string?>("--embeddings") { Description = "CSV with a label column, then the embedding: prints kmeans_nmi, pair_f1, recall_at_1..8" };
        var seed = new Option<int>("--seed") { Description = "Seed of the k-means++ initialisation", DefaultValueFactory = _ => 0 };
        var restarts = new Option<int>("--restarts") { Description = $"k-means restarts, 1 to {MaxRestarts}; the lowest inertia wins (default 3)", DefaultValueFactory = _ => 3 };
        var command = new Command("metrics", "Compute classification metrics of predictions, or embedding metrics (k-means NMI, pair F1, Recall@K) of embeddings, from CSV files");
        foreach (var option in new Option[] { predictions, embeddings, seed, restarts })
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => ErrorHandling.Run(() =>
        {
            var predictionsPath = parse.GetValue(predictions);
            var embeddingsPath = parse.GetValue(embeddings);
            if ((predictionsPath is null) == (embeddingsPath is null))
            {
                throw new ArgumentException("give exactly one of --predictions FILE or --embeddings FILE", "--predictions");
            }

            var restartCount = parse.GetValue(restarts);
            if (restartCount is < 1 or > MaxRestarts)
            {
                throw new ArgumentOutOfRangeException("--restarts", restartCount, $"--restarts must be ≥ 1 and at most {MaxRestarts}");
            }

            var result = predictionsPath is not null
                ? MetricsFiles.ComputePredictionMetrics(predictionsPath)
                : MetricsFiles.ComputeEmbeddingMetrics(embeddingsPath!, new EmbeddingMetricOptions { Seed = parse.GetValue(seed), Restarts = restartCount });
            Console.WriteLine(JsonSerializer.Serialize(result, JsonDefaults.Indented));
            return ExitCodes.Ok;
        }));
        return command;
    }
}
