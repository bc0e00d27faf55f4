using System.Globalization;
using System.Text.Json;
using LossLab.Losses;
using LossLab.Runs;
using LossLab.Training;

namespace LossLab.Experiments;

/// <summary>
/// What an experiment directory is for, saved as its <c>plan.json</c>: the base options, what varies, and the
/// runs (each run's folder is <c>runs/&lt;id&gt;</c>). A rerun, another shard or the report reads it back; a
/// directory never silently changes experiment (see <see cref="Open"/>).
/// </summary>
public sealed record ExperimentPlan
{
    /// <summary>File name of the plan in the experiment directory.</summary>
    public const string FileName = "plan.json";

    /// <summary>The paper's comparison: the improved loss and its six baselines.</summary>
    public static IReadOnlyList<string> PaperLosses { get; } = ["improved", "ce", "focal", "triplet", "margin", "proxynca", "npair"];

    /// <summary>Compare or sweep.</summary>
    public ExperimentKind Kind { get; init; }

    /// <summary>Heading of the report.</summary>
    public string Title { get; init; } = "";

    /// <summary>The paper's experiment this reproduces (<c>E1</c>, <c>E2</c>, <c>E3</c>, and E4 in two parts: <c>E4-table1</c>, <c>E4-fig9</c>), or null.</summary>
    public string? Experiment { get; init; }

    /// <summary>Reproduction preset (<c>quick</c> or <c>paper</c>), or null.</summary>
    public string? Preset { get; init; }

    /// <summary>Options every run starts from.</summary>
    public TrainOptions Base { get; init; } = new();

    /// <summary>Losses of a comparison, in order.</summary>
    public IReadOnlyList<string> Losses { get; init; } = [];

    /// <summary>Loss the paired tests compare every other loss with (a variant's name when there are variants). Default improved.</summary>
    public string ReferenceLoss { get; init; } = "improved";

    /// <summary>A comparison of named variants (<see cref="CompareVariants"/>); empty when the losses alone tell the runs apart.</summary>
    public IReadOnlyList<PlanVariant> Variants { get; init; } = [];

    /// <summary>Variants every other variant is tested against, pair by pair, each in its own table; empty without variants.</summary>
    public IReadOnlyList<string> PairedAgainst { get; init; } = [];

    /// <summary>Seeds per setting: the base seed and the next ones.</summary>
    public int Seeds { get; init; } = 1;

    /// <summary>The sweep's definition, for <see cref="ExperimentKind.Sweep"/>.</summary>
    public SweepSpec? Sweep { get; init; }

    /// <summary>Option keys that vary between runs, in run-id order.</summary>
    public IReadOnlyList<string> Varied { get; init; } = [];

    /// <summary>
    /// The runs: all of them for a comparison or a grid; for a coordinate search those known so far (later stages
    /// depend on earlier results).
    /// </summary>
    public IReadOnlyList<RunSpec> Runs { get; init; } = [];

    /// <summary>
    /// A comparison of <paramref name="losses"/> × <paramref name="seeds"/> seeds on the same model, data and budget,
    /// each loss with its own options.
    /// </summary>
    /// <param name="baseOptions">Options of every run; its seed is the first seed.</param>
    /// <param name="losses">The options of each loss, at least one loss, none twice.</param>
    /// <param name="seeds">Seeds per loss, ≥ 1.</param>
    /// <param name="title">Report heading; null for a generated one.</param>
    public static ExperimentPlan Compare(TrainOptions baseOptions, IReadOnlyList<LossOptions> losses, int seeds, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(baseOptions);
        ArgumentNullException.ThrowIfNull(losses);
        ArgumentOutOfRangeException.ThrowIfLessThan(seeds, 1, "--seeds");
        if (losses.Count == 0)
        {
            throw new ArgumentException("--losses: at least one loss is needed", "--losses");
        }

        var names = losses.Select(l => LossRegistry.Of(l).Name).ToArray();
        var repeated = names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (repeated is not null)
        {
            throw new ArgumentException($"--losses: '{repeated.Key}' is listed twice", "--losses");
        }

        var runs = new List<RunSpec>();
        foreach (var (loss, name) in losses.Zip(names))
        {
            for (var s = 0; s < seeds; s++)
            {
                var seed = baseOptions.Seed + s;
                var options = baseOptions with { LossOptions = loss, Seed = seed };
                options.Validate();
                var values = new Dictionary<string, string> { ["loss"] = name, ["seed"] = seed.ToString(CultureInfo.InvariantCulture) };
                runs.Add(new RunSpec(RunId.Format(values), options) { Values = values });
            }
        }

        return new ExperimentPlan
        {
            Kind = ExperimentKind.Compare,
            Title = title ?? $"Loss comparison: {baseOptions.Model} on {baseOptions.Dataset}, {baseOptions.Epochs} epochs, {seeds} seed(s)",
            Base = baseOptions,
            Losses = names,
            Seeds = seeds,
            ReferenceLoss = names.Contains("improved") ? "improved" : names[0],
            Varied = ["loss", "seed"],
            Runs = runs,
        };
    }

    /// <summary>
    /// A comparison of named <paramref name="variants"/> × <paramref name="seeds"/> seeds on the same model, data and
    /// budget; run ids are <c>variant=NAME_seed=S</c>.
    /// </summary>
    /// <param name="baseOptions">Options of every run; its seed is the first seed.</param>
    /// <param name="variants">The variants, at least one, no name twice.</param>
    /// <param name="seeds">Seeds per variant, ≥ 1.</param>
    /// <param name="reference">The variant the verdict speaks of.</param>
    /// <param name="pairedAgainst">Variants each other variant is tested against.</param>
    /// <param name="title">Report heading.</param>
    public static ExperimentPlan CompareVariants(
        TrainOptions baseOptions, IReadOnlyList<PlanVariant> variants, int seeds, string reference, IReadOnlyList<string> pairedAgainst, string title)
    {
        ArgumentNullException.ThrowIfNull(baseOptions);
        ArgumentNullException.ThrowIfNull(variants);
        ArgumentNullException.ThrowIfNull(pairedAgainst);
        ArgumentOutOfRangeException.ThrowIfLessThan(seeds, 1, "--seeds");
        if (variants.Count == 0)
        {
            throw new ArgumentException("at least one variant is needed", nameof(variants));
        }

        var names = variants.Select(v => v.Name).ToArray();
        if (names.Distinct(StringComparer.Ordinal).Count() != names.Length || names.Any(n => n.Length == 0 || !n.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')))
        {
            throw new ArgumentException($"variant names must be distinct, non-empty letters, digits and '-': {string.Join(", ", names)}", nameof(variants));
        }

        foreach (var name in pairedAgainst.Append(reference))
        {
            if (!names.Contains(name))
            {
                throw new ArgumentException($"'{name}' is not one of the variants ({string.Join(", ", names)})", nameof(pairedAgainst));
            }
        }

        var runs = new List<RunSpec>();
        foreach (var variant in variants)
        {
            for (var s = 0; s < seeds; s++)
            {
                var seed = baseOptions.Seed + s;
                var options = baseOptions with { LossOptions = variant.LossOptions, Seed = seed };
                options.Validate();
                var values = new Dictionary<string, string> { ["variant"] = variant.Name, ["seed"] = seed.ToString(CultureInfo.InvariantCulture) };
                runs.Add(new RunSpec(RunId.Format(values), options) { Values = values });
            }
        }

        return new ExperimentPlan
        {
            Kind = ExperimentKind.Compare,
            Title = title,
            Base = baseOptions,
            Losses = variants.Select(v => LossRegistry.Of(v.LossOptions).Name).Distinct().ToArray(),
            ReferenceLoss = reference,
            Variants = variants,
            PairedAgainst = pairedAgainst,
            Seeds = seeds,
            Varied = ["variant", "seed"],
            Runs = runs,
        };
    }

    /// <summary>A sweep; its runs are filled in as the search proceeds (<see cref="Experiments.Sweep"/>).</summary>
    /// <param name="baseOptions">Options of every run before the sweep's values are applied.</param>
    /// <param name="spec">What varies and how the best setting is chosen.</param>
    /// <param name="title">Report heading; null for a generated one.</param>
    public static ExperimentPlan ForSweep(TrainOptions baseOptions, SweepSpec spec, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(baseOptions);
        ArgumentNullException.ThrowIfNull(spec);
        spec.Validate();

        // A loss option varies only for losses that have it.
        var lossAxis = spec.Axes.FirstOrDefault(a => a.Key == "loss");
        var losses = lossAxis?.Values.Select(LossRegistry.Find).ToArray() ?? [LossRegistry.Of(baseOptions.LossOptions)];
        foreach (var axis in spec.Axes.Where(a => OptionKeys.IsLossOption(a.Key)))
        {
            var without = losses.FirstOrDefault(l => l.Option(axis.Key) is null);
            if (without is not null)
            {
                throw new ArgumentException(
                    $"--grid: loss '{without.Name}' has no option '{axis.Key}'; its options: {(without.Options.Count == 0 ? "none" : string.Join(", ", without.Options.Select(o => o.Key)))}",
                    "--grid");
            }
        }

        var keys = string.Join(", ", spec.Axes.Select(a => a.Key));
        return new ExperimentPlan
        {
            Kind = ExperimentKind.Sweep,
            Title = title ?? $"{(spec.Mode == SweepMode.Grid ? "Grid" : "Search")} over {keys}: {baseOptions.Loss} loss, {baseOptions.Model} on {baseOptions.Dataset}",
            Base = baseOptions,
            Losses = [baseOptions.Loss],
            ReferenceLoss = baseOptions.Loss,
            Seeds = spec.Seeds,
            Sweep = spec,
            Varied = [.. spec.Axes.Select(a => a.Key), "seed"],
        };
    }

    /// <summary>
    /// What identifies the experiment, as JSON: everything but the title, the list of runs and where and how the
    /// runs execute (data folder, download, device, threads), which may differ between the machines of a sharded run.
    /// </summary>
    public string Fingerprint() =>
        JsonSerializer.Serialize(this with { Title = "", Runs = [], Base = WithoutExecution(Base) }, JsonDefaults.Compact);

    /// <summary>The options without where and how they execute (data folder, download, device, threads): what a run's results depend on.</summary>
    public static TrainOptions WithoutExecution(TrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options with { DataDir = null, Download = false, Device = DeviceKind.Auto, Threads = null };
    }

    /// <summary>Writes <c>plan.json</c> into <paramref name="directory"/> (atomically).</summary>
    public void Save(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        AtomicFile.WriteText(Path.Combine(directory, FileName), JsonSerializer.Serialize(this, JsonDefaults.Indented) + "\n");
    }

    /// <summary>Reads <c>plan.json</c> from <paramref name="directory"/>, or null when there is none.</summary>
    public static ExperimentPlan? Load(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<ExperimentPlan>(File.ReadAllText(path), JsonDefaults.Indented)
                ?? throw new JsonException("empty document");
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"{path}: not a valid experiment plan ({e.Message})", nameof(directory), e);
        }
    }

    /// <summary>
    /// Saves <paramref name="plan"/> into <paramref name="directory"/>, or, when the directory already holds the same
    /// experiment (a rerun, or another shard), keeps its runs and adds the new ones.
    /// </summary>
    /// <returns>The plan now saved.</returns>
    /// <exception cref="ArgumentException">The directory holds a different experiment.</exception>
    public static ExperimentPlan Open(string directory, ExperimentPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var existing = Load(directory);
        if (existing is not null && existing.Fingerprint() != plan.Fingerprint())
        {
            throw new ArgumentException(
                $"--out: {Path.GetFullPath(directory)} holds a different experiment ('{existing.Title}'); use another --out to start a new one, or the same options to continue it",
                "--out");
        }

        var merged = existing is null ? plan : plan with { Runs = MergeRuns(existing.Runs, plan.Runs) };
        merged.Save(directory);
        return merged;
    }

    /// <summary>The runs of <paramref name="first"/> followed by those of <paramref name="second"/> not already present (by id).</summary>
    public static IReadOnlyList<RunSpec> MergeRuns(IReadOnlyList<RunSpec> first, IReadOnlyList<RunSpec> second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        var ids = first.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        return [.. first, .. second.Where(r => ids.Add(r.Id))];
    }
}
