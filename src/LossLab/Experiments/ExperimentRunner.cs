using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LossLab.Data;
using LossLab.Runs;
using LossLab.Training;

namespace LossLab.Experiments;

/// <summary>
/// Trains the runs of an experiment, each into its own run directory <c>&lt;experiment&gt;/runs/&lt;id&gt;</c>: a run
/// whose <c>summary.json</c> says completed is skipped, one with a <c>last.ckpt</c> resumes, the rest start
/// afresh. So killing an experiment and running it again finishes only what is missing. Datasets are loaded
/// once and shared by the runs that use them.
/// </summary>
public sealed class ExperimentRunner : IDisposable
{
    /// <summary>Name of the file that marks a run whose training diverged.</summary>
    public const string FailedFileName = "failed.txt";

    private readonly TextWriter log;
    private readonly Func<RunSpec, ITrainingObserver> observers;
    private readonly Dictionary<(string, string?, bool), ImageDataset> datasets = [];

    /// <summary>Creates a runner for the experiment in <paramref name="directory"/>.</summary>
    /// <param name="directory">Experiment directory; created when missing.</param>
    /// <param name="log">Receives one line per run (started, skipped, resumed, finished, failed).</param>
    /// <param name="observers">Makes the progress observer of each run (e.g. a console progress printer).</param>
    /// <param name="tensorBoard">Whether each run also writes TensorBoard event files into its directory.</param>
    public ExperimentRunner(string directory, TextWriter log, Func<RunSpec, ITrainingObserver> observers, bool tensorBoard = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(observers);
        Directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Directory);
        this.log = log;
        this.observers = observers;
        TensorBoard = tensorBoard;
    }

    /// <summary>Absolute path of the experiment directory.</summary>
    public string Directory { get; }

    /// <summary>Whether runs write TensorBoard event files.</summary>
    public bool TensorBoard { get; }

    /// <summary>Command line recorded in each new run's <c>config.json</c>.</summary>
    public string? CommandLine { get; init; }

    /// <summary>
    /// Called with each run before it trains, on the thread that trains it: where the program applies what the run
    /// needs of the process, such as its libtorch threads (<c>spec =&gt; ProcessSettings.ApplyThreads(spec.Options.Threads)</c>,
    /// as the CLI does), which LossLab never changes itself. Default null: the runs train on the threads in force.
    /// </summary>
    public Action<RunSpec>? BeforeRun { get; init; }

    /// <summary>Folder of the run <paramref name="id"/>.</summary>
    public string RunPath(string id) => RunPathIn(Directory, id);

    /// <summary>Folder of the run <paramref name="id"/> of the experiment in <paramref name="experimentDirectory"/>.</summary>
    public static string RunPathIn(string experimentDirectory, string id)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(experimentDirectory);
        ArgumentException.ThrowIfNullOrWhiteSpace(id);
        return Path.Combine(experimentDirectory, "runs", id);
    }

    /// <summary>Where the run <paramref name="id"/> stands (reads its files; creates nothing).</summary>
    public RunStatus StatusOf(string id) => StatusAt(RunPath(id));

    /// <summary>Where the run in folder <paramref name="runPath"/> stands (reads its files; creates nothing).</summary>
    public static RunStatus StatusAt(string runPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(runPath);
        if (!System.IO.Directory.Exists(runPath))
        {
            return RunStatus.New;
        }

        if (File.Exists(Path.Combine(runPath, FailedFileName)))
        {
            return new RunStatus(RunState.Failed, null);
        }

        var run = new RunDirectory(runPath);
        var summary = run.ReadSummary();
        if (summary?.Completed == true)
        {
            return new RunStatus(RunState.Completed, summary);
        }

        return File.Exists(run.LastCheckpointPath) ? new RunStatus(RunState.Unfinished, null) : RunStatus.New;
    }

    /// <summary>Trains every run of <paramref name="runs"/> that is not settled, in order.</summary>
    /// <param name="runs">The runs (e.g. one shard of a plan).</param>
    /// <param name="cancel">Stops the current run after its batch (it saves a checkpoint) and runs no further.</param>
    /// <returns>What was done.</returns>
    /// <exception cref="ArgumentException">A run folder holds a run with other options than its spec.</exception>
    public ExperimentProgress Run(IReadOnlyList<RunSpec> runs, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var watch = Stopwatch.StartNew();
        var trained = new List<string>();
        var skipped = new List<string>();
        var resumed = new List<string>();
        var failed = new List<string>();
        for (var i = 0; i < runs.Count; i++)
        {
            var spec = runs[i];
            var prefix = string.Create(CultureInfo.InvariantCulture, $"[{i + 1}/{runs.Count}] {spec.Id}");
            if (cancel.IsCancellationRequested)
            {
                return Progress(interrupted: true);
            }

            var path = RunPath(spec.Id);
            var status = StatusAt(path);
            if (status.State != RunState.New)
            {
                RequireSameOptions(path, spec);
            }

            if (status.IsSettled)
            {
                skipped.Add(spec.Id);
                log.WriteLine($"{prefix}: {(status.State == RunState.Completed ? "completed earlier" : "failed earlier (see " + Path.Combine(path, FailedFileName) + ")")}, skipped");
                continue;
            }

            var run = new RunDirectory(path);
            using var runLock = TryLock(run);
            if (runLock is null)
            {
                skipped.Add(spec.Id);
                log.WriteLine($"{prefix}: being trained by another process, skipped");
                continue;
            }

            // Another process may have finished or checkpointed the run before the lock was free.
            status = StatusAt(path);
            if (status.IsSettled)
            {
                skipped.Add(spec.Id);
                log.WriteLine($"{prefix}: completed by another process, skipped");
                continue;
            }

            var resume = status.State == RunState.Unfinished;
            if (!resume)
            {
                ClearPartial(run);
            }

            log.WriteLine($"{prefix}: {(resume ? "resuming" : "training")}");
            var data = Dataset(spec.Options);
            ITrainingObserver observer = observers(spec);
            if (TensorBoard)
            {
                observer = new TensorBoardObserver(observer, run.Path, spec.Options.ValidationFraction > 0 ? "val" : "test");
            }

            try
            {
                BeforeRun?.Invoke(spec);
                var summary = new Trainer(spec.Options, observer).Run(data, run, resume, cancel, CommandLine);
                if (!summary.Completed)
                {
                    log.WriteLine($"{prefix}: interrupted after {summary.Epochs} epoch(s); checkpoint saved");
                    return Progress(interrupted: true);
                }

                (resume ? resumed : trained).Add(spec.Id);
                var final = summary.Final!;
                log.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{prefix}: done in {summary.WallSeconds:F1} s, F1 {final.F1Macro:F4}, NMI {final.Nmi:F4}"));
            }
            catch (TrainingDivergedException e)
            {
                AtomicFile.WriteText(Path.Combine(run.Path, FailedFileName), e.Message + "\n");
                failed.Add(spec.Id);
                log.WriteLine($"{prefix}: failed: {e.Message}");
            }
        }

        return Progress(interrupted: false);

        ExperimentProgress Progress(bool interrupted) =>
            new(trained, resumed, skipped, failed, interrupted, watch.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// Waits until every run of <paramref name="runs"/> is settled (trained by other shards sharing this directory),
    /// checking every <paramref name="poll"/>.
    /// </summary>
    /// <returns>True when all are settled; false on timeout or cancellation.</returns>
    public bool WaitFor(IReadOnlyList<RunSpec> runs, TimeSpan timeout, TimeSpan poll, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var watch = Stopwatch.StartNew();
        var announced = -1;
        while (true)
        {
            var missing = runs.Where(r => !StatusOf(r.Id).IsSettled).Select(r => r.Id).ToArray();
            if (missing.Length == 0)
            {
                return true;
            }

            if (missing.Length != announced)
            {
                announced = missing.Length;
                log.WriteLine($"waiting for {missing.Length} run(s) of other shards: {string.Join(", ", missing.Take(4))}{(missing.Length > 4 ? ", ..." : "")}");
            }

            if (watch.Elapsed >= timeout || cancel.WaitHandle.WaitOne(poll))
            {
                return false;
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var data in datasets.Values)
        {
            data.Dispose();
        }

        datasets.Clear();
    }

    private ImageDataset Dataset(TrainOptions options)
    {
        var key = (options.Dataset, options.DataDir, options.Download);
        if (!datasets.TryGetValue(key, out var data))
        {
            data = DatasetRegistry.Load(options.Dataset, new DataOptions { DataDir = options.DataDir, Download = options.Download }, log);
            log.WriteLine($"data: {data.Name} from {data.Source}: {data.Train.Count} train / {data.Test.Count} test images, {data.NumClasses} classes");
            datasets[key] = data;
        }

        return data;
    }

    private static void RequireSameOptions(string path, RunSpec spec)
    {
        var config = new RunDirectory(path).ReadConfig();
        if (config is null)
        {
            return;
        }

        var found = JsonSerializer.Serialize(ExperimentPlan.WithoutExecution(config.Options), JsonDefaults.Compact);
        var wanted = JsonSerializer.Serialize(ExperimentPlan.WithoutExecution(spec.Options), JsonDefaults.Compact);
        if (found != wanted)
        {
            throw new ArgumentException(
                $"{path} holds a run with other options than run '{spec.Id}' of this experiment; delete that folder or use another --out", "--out");
        }
    }

    /// <summary>An exclusive lock on the run folder, or null when another process holds it (two copies of one shard must not train one run).</summary>
    private static FileStream? TryLock(RunDirectory run)
    {
        try
        {
            return new FileStream(Path.Combine(run.Path, ".lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static void ClearPartial(RunDirectory run)
    {
        // A run killed before its first checkpoint left only files that a fresh start rewrites; stale metrics must not linger.
        foreach (var file in new[] { run.ConfigPath, run.SummaryPath, run.MetricsCsvPath, run.MetricsJsonlPath, run.BestCheckpointPath })
        {
            File.Delete(file);
        }

        foreach (var events in System.IO.Directory.EnumerateFiles(run.Path, "events.out.tfevents.*"))
        {
            File.Delete(events);
        }
    }
}
