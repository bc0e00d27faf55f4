using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using System.Text.Json;
using LossLab.Data;
using LossLab.Runs;
using LossLab.Training;

namespace LossLab.Experiments;

/// <summary>
/// Trains the runs of an experiment, each into its own run directory <c>&lt;experiment&gt;/runs/&lt;id&gt;</c>: a run
/// whose <c>summary.json</c> says completed is skipped, one with a <c>last.ckpt</c> resumes, the rest start
/// afresh. So killing an experiment and running it again finishes only what is missing. Runs train in this process one
/// after another, sharing the datasets they use (loaded once), or, through an <see cref="IRunLauncher"/>, several at
/// once in processes of their own.
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
    /// <param name="observers">
    /// Makes the progress observer of each run it trains or launches (e.g. a console progress printer); one that is
    /// <see cref="IDisposable"/> is disposed when its run ends. Called from several threads at once when <see cref="Jobs"/> is more than 1.
    /// </param>
    /// <param name="tensorBoard">Whether each run also writes TensorBoard event files into its directory.</param>
    public ExperimentRunner(string directory, TextWriter log, Func<RunSpec, ITrainingObserver> observers, bool tensorBoard = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentNullException.ThrowIfNull(observers);
        Directory = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Directory);
        this.log = TextWriter.Synchronized(log);
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
    /// Called with each run before it trains in this process, on the thread that trains it: where the program applies
    /// what the run needs of the process, such as its libtorch threads
    /// (<c>spec =&gt; ProcessSettings.ApplyThreads(spec.Options.Threads)</c>, as the CLI does), which LossLab never
    /// changes itself. Not called for runs a <see cref="Launcher"/> trains. Default null: the runs train on the threads in force.
    /// </summary>
    public Action<RunSpec>? BeforeRun { get; init; }

    /// <summary>
    /// Trains the runs outside this process, so that <see cref="Jobs"/> of them can train at once (the <c>losslab</c>
    /// command starts a child process per run). Default null: the runs train in this process, one after another.
    /// </summary>
    public IRunLauncher? Launcher { get; init; }

    /// <summary>
    /// Most runs trained at once by the <see cref="Launcher"/>; more than 1 needs one. Each run trains on the thread
    /// count its options give, so the program divides the cores between the jobs. Default 1.
    /// </summary>
    public int Jobs { get; init; } = 1;

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

    /// <summary>
    /// Trains every run of <paramref name="runs"/> that is not settled: in this process one after another, or, with a
    /// <see cref="Launcher"/>, up to <see cref="Jobs"/> at once, started in order.
    /// </summary>
    /// <param name="runs">The runs (e.g. one shard of a plan).</param>
    /// <param name="cancel">Stops the runs in training after their batch (each saves a checkpoint) and starts no further.</param>
    /// <returns>What was done.</returns>
    /// <exception cref="ArgumentException">A run folder holds a run with other options than its spec.</exception>
    /// <exception cref="InvalidOperationException"><see cref="Jobs"/> is more than 1 without a <see cref="Launcher"/>.</exception>
    /// <remarks>
    /// When a run cannot train (an exception), or is interrupted although <paramref name="cancel"/> was not, the
    /// runs still in training are stopped as by <paramref name="cancel"/> and no further run starts; the exception is
    /// then rethrown.
    /// </remarks>
    public ExperimentProgress Run(IReadOnlyList<RunSpec> runs, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentOutOfRangeException.ThrowIfLessThan(Jobs, 1, nameof(Jobs));
        if (Jobs > 1 && Launcher is null)
        {
            throw new InvalidOperationException(
                "runs in one process train one at a time (training seeds libtorch's process-wide random generator, and threads are a process setting); give a Launcher to train several at once");
        }

        var watch = Stopwatch.StartNew();
        var outcomes = new RunOutcome?[runs.Count];
        var gate = new object();
        var next = 0;
        ExceptionDispatchInfo? error = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        if (Jobs == 1)
        {
            Work();
        }
        else
        {
            var workers = Enumerable.Range(0, Math.Min(Jobs, runs.Count)).Select(_ => new Thread(Work) { IsBackground = true }).ToArray();
            foreach (var worker in workers)
            {
                worker.Start();
            }

            foreach (var worker in workers)
            {
                worker.Join();
            }
        }

        error?.Throw();
        var finished = outcomes.OfType<RunOutcome>().ToArray();
        return new ExperimentProgress(
            Ids(RunOutcomeKind.Trained),
            Ids(RunOutcomeKind.Resumed),
            Ids(RunOutcomeKind.Skipped),
            Ids(RunOutcomeKind.Failed),
            outcomes.Any(o => o is null or { Kind: RunOutcomeKind.Interrupted }),
            watch.Elapsed.TotalSeconds);

        string[] Ids(RunOutcomeKind kind) => runs.Where((_, i) => outcomes[i]?.Kind == kind).Select(r => r.Id).ToArray();

        void Work()
        {
            while (true)
            {
                int i;
                lock (gate)
                {
                    if (stop.IsCancellationRequested || next >= runs.Count)
                    {
                        return;
                    }

                    i = next++;
                }

                try
                {
                    var outcome = RunOne(runs[i], string.Create(CultureInfo.InvariantCulture, $"[{i + 1}/{runs.Count}] {runs[i].Id}"), stop.Token);
                    outcomes[i] = outcome;
                    if (outcome.Kind == RunOutcomeKind.Interrupted)
                    {
                        stop.Cancel();
                    }
                }
                catch (Exception e)
                {
                    lock (gate)
                    {
                        error ??= ExceptionDispatchInfo.Capture(e);
                    }

                    stop.Cancel();
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Trains, resumes or skips one run in this process: takes the run folder's lock (another process training it
    /// means a skip), resumes from <c>last.ckpt</c> on the thread count the run recorded when it started, or starts
    /// afresh; a diverged run gets <c>failed.txt</c>. What an <see cref="IRunLauncher"/>'s process does for its run.
    /// </summary>
    /// <param name="spec">The run.</param>
    /// <param name="cancel">Stops after the current batch, saving a checkpoint.</param>
    /// <param name="label">Names the run in the log lines; default its id.</param>
    /// <returns>How the run ended.</returns>
    public RunOutcome TrainHere(RunSpec spec, CancellationToken cancel, string? label = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        label ??= spec.Id;
        var run = new RunDirectory(RunPath(spec.Id));
        using var runLock = run.TryLock();
        if (runLock is null)
        {
            return new RunOutcome(RunOutcomeKind.Skipped, Message: "being trained by another process");
        }

        // Another process may have finished or checkpointed the run before the lock was free.
        var status = StatusAt(run.Path);
        if (status.IsSettled)
        {
            return new RunOutcome(RunOutcomeKind.Skipped, Message: "completed by another process");
        }

        var resume = status.State == RunState.Unfinished;
        if (!resume)
        {
            ClearPartial(run);
        }

        spec = OnRecordedThreads(spec, run.Path, status);
        log.WriteLine($"{label}: {Starting(resume, spec)}");
        var data = Dataset(spec.Options);
        var progress = observers(spec);
        var observer = TensorBoard ? new TensorBoardObserver(progress, run.Path, spec.Options.ValidationFraction > 0 ? "val" : "test") : progress;
        try
        {
            BeforeRun?.Invoke(spec);
            var summary = new Trainer(spec.Options, observer).Run(data, run, resume, cancel, CommandLine);
            return new RunOutcome(summary.Completed ? resume ? RunOutcomeKind.Resumed : RunOutcomeKind.Trained : RunOutcomeKind.Interrupted, summary);
        }
        catch (TrainingDivergedException e)
        {
            AtomicFile.WriteText(Path.Combine(run.Path, FailedFileName), e.Message + "\n");
            return new RunOutcome(RunOutcomeKind.Failed, Message: e.Message);
        }
        finally
        {
            (progress as IDisposable)?.Dispose();
        }
    }

    /// <summary>
    /// The run as it trains: a run that resumes keeps the thread count it recorded when it started (its metrics
    /// depend on it), whatever the spec says now.
    /// </summary>
    private static RunSpec OnRecordedThreads(RunSpec spec, string runPath, RunStatus status)
    {
        if (status.State != RunState.Unfinished || new RunDirectory(runPath).ReadConfig() is not { ThreadsUsed: > 0 and var recorded } || recorded == spec.Options.Threads)
        {
            return spec;
        }

        return spec with { Options = spec.Options with { Threads = recorded } };
    }

    private static string Starting(bool resume, RunSpec spec) =>
        (resume ? "resuming" : "training") + (spec.Options.Threads is { } t ? string.Create(CultureInfo.InvariantCulture, $" on {t} thread{(t == 1 ? "" : "s")}") : "");

    private RunOutcome RunOne(RunSpec spec, string prefix, CancellationToken cancel)
    {
        var path = RunPath(spec.Id);
        var status = StatusAt(path);
        if (status.State != RunState.New)
        {
            RequireSameOptions(path, spec);
        }

        RunOutcome outcome;
        if (status.IsSettled)
        {
            outcome = new RunOutcome(
                RunOutcomeKind.Skipped,
                Message: status.State == RunState.Completed ? "completed earlier" : "failed earlier (see " + Path.Combine(path, FailedFileName) + ")");
        }
        else if (Launcher is null)
        {
            outcome = TrainHere(spec, cancel, prefix);
        }
        else
        {
            spec = OnRecordedThreads(spec, path, status);
            log.WriteLine($"{prefix}: {Starting(status.State == RunState.Unfinished, spec)}");
            var observer = observers(spec);
            try
            {
                outcome = Launcher.Train(Directory, spec, observer, cancel);
            }
            finally
            {
                (observer as IDisposable)?.Dispose();
            }
        }

        log.WriteLine(outcome switch
        {
            { Kind: RunOutcomeKind.Skipped } => $"{prefix}: {outcome.Message}, skipped",
            { Kind: RunOutcomeKind.Failed } => $"{prefix}: failed: {outcome.Message}",
            { Kind: RunOutcomeKind.Interrupted } => $"{prefix}: interrupted after {outcome.Summary?.Epochs ?? 0} epoch(s); checkpoint saved",
            _ => string.Create(
                CultureInfo.InvariantCulture,
                $"{prefix}: done in {outcome.Summary?.WallSeconds:F1} s, F1 {outcome.Summary?.Final?.F1Macro:F4}, NMI {outcome.Summary?.Final?.Nmi:F4}"),
        });
        return outcome;
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
