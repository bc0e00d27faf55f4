using System.CommandLine;
using System.Globalization;
using LossLab.Cli.Jobs;
using LossLab.Data;
using LossLab.Experiments;
using LossLab.Hosting;
using LossLab.Reporting;
using LossLab.Training;
using TorchSharp;

namespace LossLab.Cli.Commands;

/// <summary>The options and the run loop shared by the commands that run experiments (sweep, compare, reproduce).</summary>
public sealed class ExperimentOptionSet
{
    /// <summary><c>--out</c>.</summary>
    public Option<string?> Out { get; } = new("--out") { Description = "Experiment directory (rerun with the same one to continue: finished runs are skipped, unfinished ones resume)" };

    /// <summary><c>--shard</c>.</summary>
    public Option<string?> Shard { get; } = new("--shard") { Description = "Run only slice i of n (i/n, 1-based), e.g. $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT; shards may share the directory or have their own (merge them with losslab report)" };

    /// <summary><c>--no-tensorboard</c>.</summary>
    public Option<bool> NoTensorBoard { get; } = new("--no-tensorboard") { Description = "Do not write TensorBoard event files into the run directories" };

    /// <summary><c>--no-report</c>.</summary>
    public Option<bool> NoReport { get; } = new("--no-report") { Description = "Do not write report.html/report.md when the experiment is complete" };

    /// <summary><c>--wait-timeout</c>.</summary>
    public Option<double?> WaitTimeout { get; } = new("--wait-timeout") { Description = "Seconds a shard of a search waits for the other shards' runs of a step (default 86400)" };

    /// <summary><c>--jobs</c>.</summary>
    public Option<int?> Jobs { get; } = new("--jobs")
    {
        Description = "Runs trained at once, each in a process of its own on cores/N threads unless --threads is given (default: one per core, or per --threads cores, as memory allows; 1 on a GPU). With 1, runs train one after another in this process, on the preset's threads unless --threads",
    };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (Option option in new Option[] { Out, Shard, Jobs, NoTensorBoard, NoReport, WaitTimeout })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The shard given with <c>--shard</c>, or all.</summary>
    public Experiments.Shard ShardOf(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return parse.GetValue(Shard) is { } text ? Experiments.Shard.Parse(text) : Experiments.Shard.All;
    }

    /// <summary>
    /// Runs the experiments (each into its folder), <c>--jobs</c> runs at once, handling Ctrl-C/SIGTERM, then writes
    /// the report into <paramref name="reportDirectory"/> when every run is settled. Prints a summary; returns the exit code.
    /// </summary>
    /// <param name="parse">The command line.</param>
    /// <param name="experiments">The experiments and their folders.</param>
    /// <param name="reportDirectory">Where the report goes.</param>
    /// <param name="threads">The threads per run given with <c>--threads</c>, or null (the jobs then share the cores).</param>
    public int Run(ParseResult parse, IReadOnlyList<(string Directory, ExperimentPlan Plan)> experiments, string reportDirectory, int? threads)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(experiments);
        var shard = ShardOf(parse);
        var cores = Environment.ProcessorCount;
        var jobs = parse.GetValue(Jobs) ?? JobCount.Default(
            cores,
            threads,
            experiments.Any(e => OnGpu(e.Plan.Base)),
            GC.GetGCMemoryInfo().TotalAvailableMemoryBytes,
            JobCount.MemoryPerRun(experiments.SelectMany(e => Models(e.Plan))));
        ArgumentOutOfRangeException.ThrowIfLessThan(jobs, 1, "--jobs");
        if (jobs > 1)
        {
            experiments = experiments.Select(e => (e.Directory, OnThreads(e.Plan, JobCount.PerRun(jobs, threads, e.Plan.Base.Threads, cores)))).ToArray();
        }

        var timeout = TimeSpan.FromSeconds(parse.GetValue(WaitTimeout) ?? 86400);
        if (timeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException("--wait-timeout", timeout.TotalSeconds, "must be ≥ 0");
        }

        using var signals = new InterruptSignals();
        var commandLine = string.Join(' ', Environment.GetCommandLineArgs().Skip(1));
        var tensorBoard = !parse.GetValue(NoTensorBoard);
        using var board = jobs > 1 ? new StatusBoard(Console.Error, !Console.IsErrorRedirected, TimeSpan.FromSeconds(30)) : null;
        var log = board?.Log ?? Console.Error;
        if (jobs > 1)
        {
            PrepareData(experiments.Select(e => e.Plan.Base), log);
        }

        var expected = shard.IsPartial ? null : Expected(experiments, jobs, cores);
        if (expected is { } time)
        {
            log.WriteLine($"expected duration: about {DurationEstimate.Format(time)} (from the speed of these models on {DurationEstimate.ReferenceMachine}, scaled to {cores} core{(cores == 1 ? "" : "s")}; another CPU can take half or twice as long)");
        }

        var complete = true;
        var failed = 0;
        var seconds = 0.0;
        foreach (var (directory, plan) in experiments)
        {
            var runs = plan.Runs.Count switch { 0 => "runs decided as the search proceeds", var n => $"{n} runs" };
            var parallel = (jobs, plan.Base.Threads) switch
            {
                (1, _) => "",
                (_, { } t) => string.Create(CultureInfo.InvariantCulture, $", {jobs} at once on {t} thread{(t == 1 ? "" : "s")} each"),
                _ => string.Create(CultureInfo.InvariantCulture, $", {jobs} at once"),
            };
            log.WriteLine($"experiment: {Path.GetFullPath(directory)} ({runs}{(shard.IsPartial ? $", shard {shard}" : "")}{parallel})");
            using var runner = new ExperimentRunner(directory, log, board is null ? _ => new ConsoleProgress() : board.Observe, tensorBoard)
            {
                CommandLine = commandLine,
                BeforeRun = spec => ProcessSettings.ApplyThreads(spec.Options.Threads),
                Launcher = jobs > 1 ? new ChildRunLauncher(tensorBoard, commandLine) : null,
                Jobs = jobs,
            };
            ExperimentOutcome outcome;
            try
            {
                outcome = ExperimentExecution.Run(runner, plan, shard, timeout, TimeSpan.FromSeconds(10), signals.Token);
            }
            catch (RunProcessException e)
            {
                board?.Dispose();
                Console.Error.WriteLine($"losslab: {e.Message}");
                return e.ExitCode;
            }

            var p = outcome.Progress;
            seconds += p.Seconds;
            failed += p.Failed.Count;
            Console.WriteLine(string.Create(
                CultureInfo.InvariantCulture,
                $"{outcome.Plan.Title}: {p.Trained.Count} trained, {p.Resumed.Count} resumed, {p.Skipped.Count} skipped, {p.Failed.Count} failed in {p.Seconds:F0} s"));
            if (outcome.Sweep?.Best is { } best)
            {
                Console.WriteLine($"best: {string.Join(", ", best.Select(kv => $"{kv.Key}={kv.Value}"))} (score {outcome.Sweep.BestScore?.ToString("F4", CultureInfo.InvariantCulture)})");
            }

            if (p.Interrupted)
            {
                Console.Error.WriteLine($"interrupted; checkpoint saved. Run the same command again to continue.");
                return ExitCodes.Interrupted;
            }

            if (outcome.TimedOut)
            {
                Console.Error.WriteLine("stopped waiting for other shards; run the same command again to continue.");
                return ExitCodes.Failure;
            }

            complete &= outcome.Complete;
        }

        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"wall time: {seconds:F0} s{(seconds >= 90 ? $" ({DurationEstimate.Format(TimeSpan.FromSeconds(seconds))})" : "")}{(expected is { } guess ? $"; expected about {DurationEstimate.Format(guess)}" : "")}"));
        if (complete && !parse.GetValue(NoReport))
        {
            ReportBuilder.Build(experiments.Select(e => e.Directory).ToArray(), reportDirectory);
            Console.WriteLine($"report: {Path.Combine(Path.GetFullPath(reportDirectory), Report.HtmlFileName)}");
        }
        else if (!complete)
        {
            Console.WriteLine("other shards still have runs to do; when all are done, write the report with: losslab report " + string.Join(' ', experiments.Select(e => e.Directory)));
        }

        return failed > 0 ? ExitCodes.Diverged : ExitCodes.Ok;
    }

    /// <summary>The plan with every run on <paramref name="threads"/> threads (a resumed run keeps the count it recorded).</summary>
    private static ExperimentPlan OnThreads(ExperimentPlan plan, int? threads) => plan with
    {
        Base = plan.Base with { Threads = threads },
        Runs = plan.Runs.Select(r => r with { Options = r.Options with { Threads = threads } }).ToArray(),
    };

    /// <summary>
    /// Loads once, before the runs' processes start, what they would otherwise all fetch or decode at the same time:
    /// a dataset to download, an image folder to decode into its cache. The rest each process loads itself.
    /// </summary>
    private static void PrepareData(IEnumerable<TrainOptions> runs, TextWriter log)
    {
        foreach (var options in runs.DistinctBy(o => (o.Dataset, o.DataDir, o.Download)))
        {
            var isFolder = options.Dataset.StartsWith(DatasetRegistry.FolderPrefix, StringComparison.OrdinalIgnoreCase);
            if (isFolder || (options.Download && DatasetRegistry.Locate(options.Dataset, new DataOptions { DataDir = options.DataDir }) is null))
            {
                using var data = DatasetRegistry.Load(options.Dataset, new DataOptions { DataDir = options.DataDir, Download = options.Download }, log);
                log.WriteLine($"data: {data.Name} from {data.Source}: ready for the runs' processes");
            }
        }
    }

    /// <summary>
    /// The expected wall time of the runs still to train (<see cref="DurationEstimate"/>), or null when a plan is a search
    /// (its runs are decided as it goes), a model has no measured speed or the data is not at hand.
    /// </summary>
    private static TimeSpan? Expected(IReadOnlyList<(string Directory, ExperimentPlan Plan)> experiments, int jobs, int cores)
    {
        if (experiments.Any(e => e.Plan.Runs.Count == 0 || e.Plan.Sweep is not null)
            || experiments.SelectMany(e => e.Plan.Runs).Any(r => !DurationEstimate.Models.Contains(r.Options.Model, StringComparer.OrdinalIgnoreCase)))
        {
            return null;
        }

        var work = new List<RunWork>();
        try
        {
            foreach (var group in experiments
                .SelectMany(e => e.Plan.Runs.Where(r => !ExperimentRunner.StatusAt(ExperimentRunner.RunPathIn(e.Directory, r.Id)).IsSettled))
                .GroupBy(r => (r.Options.Dataset, r.Options.DataDir)))
            {
                var options = group.First().Options;
                if (Reproduction.MissingData(options with { Download = false }) is not null)
                {
                    return null;
                }

                using var data = DatasetRegistry.Load(options.Dataset, new DataOptions { DataDir = options.DataDir });
                work.AddRange(group.Select(r => DurationEstimate.Work(r.Options, data)));
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException or UnauthorizedAccessException)
        {
            // No estimate is better than no experiment: the runs report the problem with the data themselves.
            return null;
        }

        return DurationEstimate.Of(work, jobs, cores);
    }

    /// <summary>The models the plan trains: its base model, and those a sweep varies.</summary>
    private static IEnumerable<string> Models(ExperimentPlan plan) =>
        [plan.Base.Model, .. plan.Sweep?.Axes.Where(a => a.Key == "model").SelectMany(a => a.Values) ?? []];

    private static bool OnGpu(TrainOptions options) =>
        options.Device == DeviceKind.Cuda || (options.Device == DeviceKind.Auto && torch.cuda.is_available());

    /// <summary>Parses <c>key=v1,v2,...</c> into an option key and its canonical values.</summary>
    public static (string Key, string[] Values) ParseAxis(string flag, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || equals == text.Length - 1)
        {
            throw new ArgumentException($"{flag}: '{text}' is not KEY=V1,V2,...; keys: {string.Join(", ", OptionKeys.Names)}", flag);
        }

        var key = text[..equals].Trim();
        if (!OptionKeys.Names.Contains(key))
        {
            throw new ArgumentException($"{flag}: unknown option '{key}'; valid: {string.Join(", ", OptionKeys.Names)}", flag);
        }

        var values = text[(equals + 1)..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(v => OptionKeys.Canonical(key, v))
            .Distinct()
            .ToArray();
        return (key, values);
    }
}
