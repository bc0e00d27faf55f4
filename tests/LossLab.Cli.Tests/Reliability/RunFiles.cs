using System.Text.Json.Nodes;

namespace LossLab.Cli.Tests.Reliability;

/// <summary>Reads a run's results without the timing fields, which legitimately differ between two runs.</summary>
internal static class RunFiles
{
    private static readonly string[] Timings = ["train_seconds", "eval_seconds", "train_img_per_s", "wall_seconds"];

    /// <summary><c>summary.json</c> with every timing field removed, as JSON text.</summary>
    public static string SummaryWithoutTimings(string dir)
    {
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")))!.AsObject();
        RemoveTimings(summary);
        RemoveTimings(summary["final"]?.AsObject());
        RemoveTimings(summary["best"]?.AsObject());
        return summary.ToJsonString();
    }

    /// <summary>Every line of <c>metrics.jsonl</c> with the timing fields removed.</summary>
    public static string[] MetricsWithoutTimings(string dir) =>
        File.ReadAllLines(Path.Combine(dir, "metrics.jsonl"))
            .Select(line =>
            {
                var row = JsonNode.Parse(line)!.AsObject();
                RemoveTimings(row);
                return row.ToJsonString();
            })
            .ToArray();

    private static void RemoveTimings(JsonObject? node)
    {
        foreach (var key in Timings)
        {
            node?.Remove(key);
        }
    }
}
