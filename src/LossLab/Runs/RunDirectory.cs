using System.Globalization;
using System.Text;
using System.Text.Json;
using LossLab.Data;
using LossLab.Evaluation;

namespace LossLab.Runs;

/// <summary>
/// The files of one run: <c>config.json</c>, <c>metrics.csv</c>, <c>metrics.jsonl</c>, <c>summary.json</c>,
/// <c>last.ckpt</c> and <c>best.ckpt</c>. Every write is atomic, and so is replacing one run by another
/// (<see cref="StartRun"/>).
/// </summary>
public sealed class RunDirectory
{
    /// <summary>Where <see cref="StartRun"/> keeps the replaced run's files until the new run's config.json is written.</summary>
    internal const string ReplacedFolderName = ".replaced-run";

    /// <summary>In <see cref="ReplacedFolderName"/>: the replaced run's config.json (empty when it had none), written before any file moves.</summary>
    internal const string ReplacedConfigName = "config.json.replaced";

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

    /// <summary>
    /// Takes the folder's lock (the file <c>.lock</c>, held open exclusively) so that a second process cannot train
    /// in it at the same time; the lock ends with the returned handle or the process, however it ends.
    /// </summary>
    /// <returns>The lock, or null when another process holds it.</returns>
    /// <remarks>
    /// Taking the lock also completes a replacement (<see cref="StartRun"/>) that a crash interrupted: the old run
    /// is restored if the new run had not written its config.json yet, and its set-aside files are removed if it had.
    /// </remarks>
    public IDisposable? TryLock()
    {
        var path = Combine(".lock");
        FileStream runLock;
        try
        {
            runLock = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException) when (File.Exists(path))
        {
            return null;
        }

        try
        {
            FinishInterruptedReplacement();
        }
        catch
        {
            runLock.Dispose();
            throw;
        }

        return runLock;
    }

    /// <summary>Whether the folder holds a run whose summary says it completed.</summary>
    public bool HoldsCompletedRun() => ReadSummary()?.Completed == true;

    /// <summary>Whether the folder holds any run files.</summary>
    public bool HoldsAnyRun() => File.Exists(ConfigPath) || File.Exists(LastCheckpointPath) || File.Exists(BestCheckpointPath);

    /// <summary>
    /// Names of the folder's files and subfolders, sorted, leaving out the lock, temporary files of interrupted
    /// writes and a set-aside replaced run: empty for a folder that holds nothing a user could miss.
    /// </summary>
    public IReadOnlyList<string> Contents() =>
        Directory.EnumerateFileSystemEntries(Path)
            .Select(System.IO.Path.GetFileName)
            .OfType<string>()
            .Where(name => name is not ".lock" and not ReplacedFolderName && !AtomicFile.IsTempName(name))
            .Order(StringComparer.Ordinal)
            .ToArray();

    /// <summary>Writes <c>config.json</c>.</summary>
    public void WriteConfig(RunConfig config) =>
        AtomicFile.WriteText(ConfigPath, JsonSerializer.Serialize(config, JsonDefaults.Indented) + "\n");

    /// <summary>
    /// Starts a new run in the folder by writing its <c>config.json</c>, replacing the run the folder holds, if any.
    /// Until this call the old run is untouched, so every check that can fail belongs before it. The old run's files
    /// are first set aside in a hidden subfolder, then the new config.json is written, then they are deleted: a
    /// crash at any point leaves the old run or the new one, and the next <see cref="TryLock"/> tidies up.
    /// Call it holding the lock.
    /// </summary>
    /// <exception cref="IOException">A file could not be written or moved.</exception>
    public void StartRun(RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var old = RunFiles.Where(File.Exists).ToArray();
        if (old.Length == 0)
        {
            WriteConfig(config);
            return;
        }

        var replaced = Combine(ReplacedFolderName);
        Directory.CreateDirectory(replaced);

        // Its presence says files may have moved; its content tells the old config.json from the new one.
        var oldConfig = File.Exists(ConfigPath) ? File.ReadAllBytes(ConfigPath) : [];
        AtomicFile.Write(System.IO.Path.Combine(replaced, ReplacedConfigName), stream => stream.Write(oldConfig));
        foreach (var file in old.Where(f => f != ConfigPath))
        {
            File.Move(file, System.IO.Path.Combine(replaced, System.IO.Path.GetFileName(file)), overwrite: true);
        }

        WriteConfig(config);
        Directory.Delete(replaced, recursive: true);
    }

    /// <summary>Reads <c>config.json</c>, or null when absent; the options it holds are valid.</summary>
    /// <exception cref="DataFormatException">The file is damaged or its options are invalid.</exception>
    public RunConfig? ReadConfig()
    {
        var config = ReadJson<RunConfig>(ConfigPath);
        if (config is null)
        {
            return null;
        }

        if (config.Options is null)
        {
            throw new DataFormatException(ConfigPath, "the run's options are missing");
        }

        try
        {
            config.Options.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new DataFormatException(ConfigPath, $"the run's options are invalid ({ex.Message})", ex);
        }

        return config;
    }

    /// <summary>Reads <c>summary.json</c>, or null when absent.</summary>
    /// <exception cref="DataFormatException">The file is damaged.</exception>
    public RunSummary? ReadSummary() => ReadJson<RunSummary>(SummaryPath);

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
    /// <exception cref="DataFormatException">A line is damaged.</exception>
    public IReadOnlyList<EpochMetrics> ReadMetrics()
    {
        if (!File.Exists(MetricsJsonlPath))
        {
            return [];
        }

        var rows = new List<EpochMetrics>();
        var number = 0;
        foreach (var line in File.ReadLines(MetricsJsonlPath))
        {
            number++;
            if (line.Length > 0)
            {
                rows.Add(Parse<EpochMetrics>(MetricsJsonlPath, line, JsonDefaults.Compact, $"line {number}: ")
                    ?? throw new DataFormatException(MetricsJsonlPath, $"line {number}: expected an object, found null"));
            }
        }

        return rows;
    }

    /// <summary>Writes <c>summary.json</c>.</summary>
    public void WriteSummary(RunSummary summary) =>
        AtomicFile.WriteText(SummaryPath, JsonSerializer.Serialize(summary, JsonDefaults.Indented) + "\n");

    /// <summary>A <c>metrics.csv</c> cell: empty for null, integral values without a decimal point, others round-trip.</summary>
    internal static string FormatCsv(double? value) => value switch
    {
        null => "",
        { } v when v == Math.Floor(v) && Math.Abs(v) < 1e15 => v.ToString("0", CultureInfo.InvariantCulture),
        { } v => v.ToString("R", CultureInfo.InvariantCulture),
    };

    private static T? ReadJson<T>(string path)
        where T : class =>
        File.Exists(path)
            ? Parse<T>(path, File.ReadAllText(path), JsonDefaults.Indented, "") ?? throw new DataFormatException(path, "expected an object, found null")
            : null;

    private static T? Parse<T>(string path, string json, JsonSerializerOptions options, string where)
        where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, options);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or ArgumentException or InvalidOperationException)
        {
            // A damaged or hand-edited file is bad input, not a crash.
            throw new DataFormatException(path, $"{where}not a valid {typeof(T).Name} ({ex.Message})", ex);
        }
    }

    private string Combine(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Every file a run writes, config.json first.</summary>
    private string[] RunFiles => [ConfigPath, SummaryPath, MetricsCsvPath, MetricsJsonlPath, LastCheckpointPath, BestCheckpointPath];

    /// <summary>Completes a <see cref="StartRun"/> that a crash interrupted (see <see cref="TryLock"/>).</summary>
    private void FinishInterruptedReplacement()
    {
        var replaced = Combine(ReplacedFolderName);
        if (!Directory.Exists(replaced))
        {
            return;
        }

        var marker = System.IO.Path.Combine(replaced, ReplacedConfigName);
        var committed = File.Exists(marker) && File.Exists(ConfigPath) && !File.ReadAllBytes(ConfigPath).AsSpan().SequenceEqual(File.ReadAllBytes(marker));
        if (File.Exists(marker) && !committed)
        {
            // The new run never wrote its config.json: put the old run's files back where they were.
            foreach (var file in Directory.EnumerateFiles(replaced).Where(f => f != marker))
            {
                var target = Combine(System.IO.Path.GetFileName(file));
                if (!File.Exists(target))
                {
                    File.Move(file, target);
                }
            }
        }

        Directory.Delete(replaced, recursive: true);
    }
}
