using LossLab.Experiments;
using LossLab.Runs;

namespace LossLab.Reporting;

/// <summary>
/// An experiment as read from one or more directories: those holding the same plan (shards run on machines
/// without a shared disk, each with its own directory) are merged, a run counting as done when any of them
/// holds it completed.
/// </summary>
public sealed class ExperimentRecord
{
    private readonly Dictionary<string, RunRecord> records = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> adHocPaths;

    private ExperimentRecord(ExperimentPlan plan, IReadOnlyList<string> directories, Dictionary<string, string>? adHocPaths = null)
    {
        Plan = plan;
        Directories = directories;
        this.adHocPaths = adHocPaths ?? new Dictionary<string, string>(StringComparer.Ordinal);
        if (plan.Kind == ExperimentKind.Sweep)
        {
            SweepState = new Sweep(plan.Base, plan.Sweep!).Replay(Status);
            Runs = [.. ExperimentPlan.MergeRuns(SweepState.Known, plan.Runs).Select(Record)];
        }
        else
        {
            Runs = [.. plan.Runs.Select(Record)];
        }
    }

    /// <summary>The plan (with the runs of every merged directory).</summary>
    public ExperimentPlan Plan { get; }

    /// <summary>The directories read.</summary>
    public IReadOnlyList<string> Directories { get; }

    /// <summary>The runs, in plan order.</summary>
    public IReadOnlyList<RunRecord> Runs { get; }

    /// <summary>For a sweep, how far it got with the merged results; else null.</summary>
    public SweepState? SweepState { get; }

    /// <summary>
    /// Reads the directories: experiment directories (with <c>plan.json</c>) are grouped by experiment and merged;
    /// plain run directories (with <c>config.json</c>, or folders of them) form one more group, compared by loss
    /// when their losses differ.
    /// </summary>
    /// <exception cref="ArgumentException">A directory is missing or holds neither a plan nor runs.</exception>
    public static IReadOnlyList<ExperimentRecord> Load(IReadOnlyList<string> directories)
    {
        ArgumentNullException.ThrowIfNull(directories);
        if (directories.Count == 0)
        {
            throw new ArgumentException("at least one directory is needed", nameof(directories));
        }

        var plans = new List<(ExperimentPlan Plan, List<string> Dirs)>();
        var runFolders = new List<string>();
        foreach (var directory in directories.Select(Path.GetFullPath).SelectMany(ExperimentFolders))
        {
            var plan = ExperimentPlan.Load(directory);
            if (plan is not null)
            {
                var group = plans.FirstOrDefault(p => p.Plan.Fingerprint() == plan.Fingerprint());
                if (group.Plan is null)
                {
                    plans.Add((plan, [directory]));
                }
                else
                {
                    group.Dirs.Add(directory);
                    plans[plans.IndexOf(group)] = (group.Plan with { Runs = ExperimentPlan.MergeRuns(group.Plan.Runs, plan.Runs) }, group.Dirs);
                }

                continue;
            }

            var found = FindRunFolders(directory);
            if (found.Count == 0)
            {
                throw new ArgumentException($"{directory}: holds no {ExperimentPlan.FileName}, no config.json and no run folders", nameof(directories));
            }

            runFolders.AddRange(found);
        }

        var result = plans.Select(p => new ExperimentRecord(p.Plan, p.Dirs)).ToList();
        if (runFolders.Count > 0)
        {
            result.Add(AdHoc(runFolders.Distinct().ToArray()));
        }

        return result;
    }

    /// <summary>The status of run <paramref name="id"/>: the most advanced over the merged directories.</summary>
    public RunStatus Status(string id) => Locate(id).Status;

    private (RunStatus Status, string? Path) Locate(string id)
    {
        if (adHocPaths.TryGetValue(id, out var adHoc))
        {
            return (ExperimentRunner.StatusAt(adHoc), adHoc);
        }

        (RunStatus Status, string? Path) best = (RunStatus.New, null);
        foreach (var directory in Directories)
        {
            var path = ExperimentRunner.RunPathIn(directory, id);
            var status = ExperimentRunner.StatusAt(path);
            if (best.Path is null || Rank(status.State) > Rank(best.Status.State))
            {
                best = (status, path);
            }
        }

        return best;
    }

    private RunRecord Record(RunSpec spec)
    {
        if (!records.TryGetValue(spec.Id, out var record))
        {
            var (status, path) = Locate(spec.Id);
            var exists = path is not null && Directory.Exists(path);
            var run = exists ? new RunDirectory(path!) : null;
            record = new RunRecord(spec, exists ? path : null, status, run?.ReadMetrics() ?? [], run?.ReadConfig());
            records[spec.Id] = record;
        }

        return record;
    }

    private static int Rank(RunState state) => state switch
    {
        RunState.Completed => 3,
        RunState.Failed => 2,
        RunState.Unfinished => 1,
        _ => 0,
    };

    /// <summary>The directory itself, or, for a folder of experiments (E4's parts), the experiments inside it.</summary>
    private static IEnumerable<string> ExperimentFolders(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new ArgumentException($"{directory}: no such directory", nameof(directory));
        }

        if (File.Exists(Path.Combine(directory, ExperimentPlan.FileName)) || File.Exists(Path.Combine(directory, "config.json")))
        {
            return [directory];
        }

        var inside = Directory.EnumerateDirectories(directory)
            .Where(d => File.Exists(Path.Combine(d, ExperimentPlan.FileName)))
            .Order(StringComparer.Ordinal)
            .ToArray();
        return inside.Length > 0 ? inside : [directory];
    }

    private static List<string> FindRunFolders(string directory)
    {
        if (File.Exists(Path.Combine(directory, "config.json")))
        {
            return [directory];
        }

        var runs = Path.Combine(directory, "runs");
        var parent = Directory.Exists(runs) ? runs : directory;
        return Directory.EnumerateDirectories(parent)
            .Where(d => File.Exists(Path.Combine(d, "config.json")))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Plain run folders as one experiment: what differs between them is what varies.</summary>
    private static ExperimentRecord AdHoc(IReadOnlyList<string> folders)
    {
        var configs = folders.Select(f => (Folder: f, Config: new RunDirectory(f).ReadConfig()!)).ToArray();
        var varied = OptionKeys.Names
            .Where(k => configs.Select(c => OptionKeys.Read(c.Config.Options, k) ?? "").Distinct().Count() > 1)
            .ToList();
        if (!varied.Contains("seed"))
        {
            varied.Add("seed");
        }

        var paths = new Dictionary<string, string>(StringComparer.Ordinal);
        var runs = new List<RunSpec>();
        foreach (var (folder, config) in configs)
        {
            var id = Path.GetFileName(folder);
            for (var n = 2; paths.ContainsKey(id); n++)
            {
                id = $"{Path.GetFileName(folder)}-{n}";
            }

            paths[id] = folder;
            var values = varied.ToDictionary(k => k, k => OptionKeys.Read(config.Options, k) ?? "default");
            runs.Add(new RunSpec(id, config.Options) { Values = values });
        }

        var first = configs[0].Config.Options;
        var losses = runs.Select(r => r.Options.Loss).Distinct().ToArray();
        var compare = varied.Contains("loss");
        var plan = new ExperimentPlan
        {
            Kind = compare ? ExperimentKind.Compare : ExperimentKind.Runs,
            Title = compare ? $"Loss comparison of {runs.Count} runs" : $"{runs.Count} run(s)",
            Base = first,
            Losses = losses,
            ReferenceLoss = losses.Contains("improved") ? "improved" : losses[0],
            Seeds = runs.GroupBy(r => r.Options.Loss).Max(g => g.Count()),
            Varied = varied,
            Runs = runs,
        };
        return new ExperimentRecord(plan, [], paths);
    }
}
