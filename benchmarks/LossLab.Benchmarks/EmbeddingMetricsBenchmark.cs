using System.Diagnostics;
using System.Text.Json;
using LossLab.Metrics;
using TorchSharp;

namespace LossLab.Benchmarks;

/// <summary>
/// Times the embedding evaluation of <c>losslab metrics</c> on a CSV: parsing, then k-means,
/// NMI, pair-F1 and Recall@{1,2,4,8}. The counterpart of <c>benchmarks/metrics_vs_sklearn.py</c>.
/// </summary>
public static class EmbeddingMetricsBenchmark
{
    /// <summary>
    /// Runs <paramref name="warmups"/> untimed then <paramref name="repeats"/> timed evaluations
    /// of <paramref name="csvPath"/> on <paramref name="threads"/> threads, printing one JSON line
    /// per timed run: <c>{"parse_s":…,"compute_s":…,"metrics":{…}}</c>. With no warm-up the first
    /// line is what a one-off <c>losslab metrics</c> pays (JIT and fresh memory included).
    /// </summary>
    /// <param name="csvPath">Embeddings CSV (label, then the values).</param>
    /// <param name="repeats">Timed evaluations.</param>
    /// <param name="threads">Threads (<c>torch.set_num_threads</c>, which the metrics use).</param>
    /// <param name="warmups">Untimed evaluations first.</param>
    /// <param name="options">Evaluation settings; defaults when null.</param>
    public static void Run(string csvPath, int repeats = 1, int threads = 2, int warmups = 1, EmbeddingMetricOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(warmups);
        torch.set_num_threads(threads);
        for (var i = 0; i < warmups; i++)
        {
            Measure(csvPath, options);
        }

        for (var i = 0; i < repeats; i++)
        {
            var (parse, compute, metrics) = Measure(csvPath, options);
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["parse_s"] = parse,
                ["compute_s"] = compute,
                ["threads"] = torch.get_num_threads(),
                ["metrics"] = metrics,
            }));
        }
    }

    /// <summary>Seconds spent parsing and computing, and the metrics, for one evaluation.</summary>
    /// <param name="csvPath">Embeddings CSV.</param>
    /// <param name="options">Evaluation settings; defaults when null.</param>
    public static (double ParseSeconds, double ComputeSeconds, IReadOnlyDictionary<string, double> Metrics) Measure(
        string csvPath, EmbeddingMetricOptions? options = null)
    {
        var watch = Stopwatch.StartNew();
        var table = MetricsFiles.ReadEmbeddings(csvPath);
        var parse = watch.Elapsed.TotalSeconds;
        var metrics = MetricsFiles.Evaluate(table, options).ToDictionary();
        var compute = watch.Elapsed.TotalSeconds - parse;
        return (parse, compute, metrics.ToDictionary(p => p.Key, p => Math.Round(p.Value, 4, MidpointRounding.ToEven)));
    }
}
