using System.Globalization;
using System.Text;
using System.Text.Json;

namespace LossLab.Training;

/// <summary>
/// The files of one run: <c>config.json</c>, <c>metrics.csv</c>, <c>metrics.jsonl</c>, <c>summary.json</c>,
/// <c>last.ckpt</c> and <c>best.ckpt</c>. Every write is atomic.
/// </summary>
public sealed class RunDirectory
{
    /// <summary>Opens (and creates) the folder.</summary>
    public RunDirectory(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        Directory.CreateDirectory(Path);
    }

    /// <summary>Absolute folder path.</summary>
    public string Path { get; }

    /// <summary><c>config.json</c>.</summary>
    public string ConfigPath => Combine("config.json");

    /// <summary><c>summary.json</c>.</summary>
    public string SummaryPath => Combine("summary.json");

    /// <summary><c>metrics.csv</c>.</summary>
    public string MetricsCsvPath => Combine("metrics.csv");

    /// <summary><c>metrics.jsonl</c>.</summary>
    public string MetricsJsonlPath => Combine("metrics.jsonl");

    /// <summary>Checkpoint of the last finished epoch (or of an interruption).</summary>
    public string LastCheckpointPath => Combine("last.ckpt");

    /// <summary>Checkpoint of the epoch with the best test macro-F1.</summary>
    public string BestCheckpointPath => Combine("best.ckpt");

    /// <summary>Whether the folder holds a run whose summary says it completed.</summary>
    public bool HoldsCompletedRun() => ReadSummary()?.Completed == true;

    /// <summary>Whether the folder holds any run files.</summary>
    public bool HoldsAnyRun() => File.Exists(ConfigPath) || File.Exists(LastCheckpointPath);

    /// <summary>Writes <c>config.json</c>.</summary>
    public void WriteConfig(RunConfig config) =>
        AtomicFile.WriteText(ConfigPath, JsonSerializer.Serialize(config, JsonDefaults.Indented) + "\n");

    /// <summary>Reads <c>config.json</c>, or null when absent.</summary>
    public RunConfig? ReadConfig() =>
        File.Exists(ConfigPath) ? JsonSerializer.Deserialize<RunConfig>(File.ReadAllText(ConfigPath), JsonDefaults.Indented) : null;

    /// <summary>Reads <c>summary.json</c>, or null when absent.</summary>
    public RunSummary? ReadSummary() =>
        File.Exists(SummaryPath) ? JsonSerializer.Deserialize<RunSummary>(File.ReadAllText(SummaryPath), JsonDefaults.Indented) : null;

    /// <summary>Rewrites both metrics files from the full history (small; keeps them consistent with the checkpoint).</summary>
    public void WriteMetrics(IReadOnlyList<EpochMetrics> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var csv = new StringBuilder();
        csv.AppendLine(string.Join(',', EpochMetrics.Columns));
        var jsonl = new StringBuilder();
        foreach (var row in history)
        {
            csv.AppendLine(string.Join(',', row.Values().Select(FormatCsv)));
            jsonl.AppendLine(JsonSerializer.Serialize(row, JsonDefaults.Compact));
        }

        AtomicFile.WriteText(MetricsCsvPath, csv.ToString());
        AtomicFile.WriteText(MetricsJsonlPath, jsonl.ToString());
    }

    /// <summary>Reads <c>metrics.jsonl</c>.</summary>
    public IReadOnlyList<EpochMetrics> ReadMetrics() =>
        File.Exists(MetricsJsonlPath)
            ? File.ReadLines(MetricsJsonlPath).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<EpochMetrics>(l, JsonDefaults.Compact)!).ToArray()
            : [];

    /// <summary>Writes <c>summary.json</c>.</summary>
    public void WriteSummary(RunSummary summary) =>
        AtomicFile.WriteText(SummaryPath, JsonSerializer.Serialize(summary, JsonDefaults.Indented) + "\n");

    private static string FormatCsv(double? value) => value switch
    {
        null => "",
        { } v when v == Math.Floor(v) && Math.Abs(v) < 1e15 => v.ToString("0", CultureInfo.InvariantCulture),
        { } v => v.ToString("R", CultureInfo.InvariantCulture),
    };

    private string Combine(string name) => System.IO.Path.Combine(Path, name);
}
