using LossLab.Data;
using LossLab.Losses;
using LossLab.Training;

namespace LossLab.Experiments;

/// <summary>
/// The paper's experiments as plans (SPEC §6). <c>paper</c> uses the paper's models, datasets, epochs and optimizer
/// (Adam, lr 1e-5, weight decay 4e-4, 70 epochs); <c>quick</c> keeps the design (the same losses, parameter values and
/// metrics) at a size that finishes in minutes on 2 CPU cores: small-cnn (ResNet-18 for E3) on Fashion-MNIST (installed
/// offline; E4's CIFAR-100 part stays on CIFAR-100), a class-balanced subset, a few epochs. <c>medium</c> (E2, E5 and
/// E6) trains small-cnn on the full CIFAR-10 (50,000 training and 10,000 test images), sized to finish in about
/// 45 minutes on 2 CPU cores each.
/// </summary>
public static class Reproduction
{
    /// <summary>
    /// The experiments: the paper's E1 (beta/gamma search), E2 (loss comparison), E3 (other architecture), E4 (other
    /// datasets); and two of our own: E5 (ablation: which of beta and gamma does what) and E6 (long-tailed CIFAR-10).
    /// </summary>
    public static IReadOnlyList<string> Experiments { get; } = ["E1", "E2", "E3", "E4", "E5", "E6"];

    /// <summary>E6's imbalance ratios (largest over smallest class count): one part each.</summary>
    public static IReadOnlyList<int> ImbalanceRatios { get; } = [10, 100];

    /// <summary>The class-balanced weights of E6 (Cui et al., CVPR 2019): <c>--alpha effective-number:0.999</c>.</summary>
    public static ClassWeights ClassBalanced { get; } = ClassWeights.EffectiveNumber(0.999);

    /// <summary>
    /// E5's variants: the improved loss with beta (the softmax scale) and gamma (the focal exponent) switched on one at a
    /// time. The "ce" arm is the improved loss at beta 1, gamma 0, which is softmax cross-entropy exactly: all five arms
    /// then run through the same code, so what differs between them is beta and gamma alone.
    /// </summary>
    public static IReadOnlyList<PlanVariant> AblationVariants { get; } =
    [
        Improved("ce", "ce (β 1, γ 0)", 1, 0),
        Improved("scale-only", "scale only (β 4, γ 0)", 4, 0),
        Improved("focus-only", "focus only (β 1, γ 5)", 1, 5),
        Improved("both", "both (β 4, γ 5)", 4, 5),
        Improved("paper-fmnist", "paper Fashion-MNIST (β 4, γ 10)", 4, 10),
    ];

    /// <summary>
    /// E6's variants: cross-entropy, focal (gamma 2), improved (beta 4, gamma 5), class-balanced cross-entropy (the
    /// improved loss at beta 1, gamma 0 with <see cref="ClassBalanced"/> weights, since <c>ce</c> takes no weights),
    /// logit-adjusted cross-entropy (tau 1), and the improved loss with the class-balanced weights.
    /// </summary>
    public static IReadOnlyList<PlanVariant> ImbalanceVariants { get; } =
    [
        new("ce", "ce", new CrossEntropyLossOptions()),
        new("focal", "focal (γ 2)", new FocalLossOptions()),
        new("improved", "improved (β 4, γ 5)", new ImprovedLossOptions()),
        new("class-balanced", "class-balanced ce (α effective-number 0.999)", new ImprovedLossOptions { Beta = 1, Gamma = 0, Alpha = ClassBalanced }),
        new("logit-adjusted", "logit-adjusted ce (τ 1)", new LogitAdjustedLossOptions()),
        new("improved-class-balanced", "improved + class-balanced (β 4, γ 5, α effective-number 0.999)", new ImprovedLossOptions { Alpha = ClassBalanced }),
    ];

    /// <summary>The presets: quick, medium (E2, E5 and E6 only) and paper.</summary>
    public static IReadOnlyList<string> Presets { get; } = ["quick", "medium", "paper"];

    /// <summary>The experiments with a <c>medium</c> preset.</summary>
    public static IReadOnlyList<string> MediumExperiments { get; } = ["E2", "E5", "E6"];

    /// <summary>E1's values: beta first (gamma at 3), then gamma; refined inside [2, 16] and [2, 21].</summary>
    public static IReadOnlyList<SweepAxis> PaperSearchAxes { get; } =
    [
        new("beta", ["2", "3", "4", "5", "7", "10"], 2, 16),
        new("gamma", ["3", "5", "10"], 2, 21),
    ];

    /// <summary>The plans of <paramref name="experiment"/> with <paramref name="preset"/>.</summary>
    /// <exception cref="ArgumentException">Unknown experiment or preset, or an invalid setting.</exception>
    public static IReadOnlyList<ReproductionPart> Create(string experiment, string preset, ReproductionSettings settings)
    {
        ArgumentNullException.ThrowIfNull(experiment);
        ArgumentNullException.ThrowIfNull(preset);
        ArgumentNullException.ThrowIfNull(settings);
        var id = experiment.ToUpperInvariant();
        if (!Experiments.Contains(id))
        {
            throw new ArgumentException($"unknown experiment '{experiment}'; valid: {string.Join(", ", Experiments)}", "experiment");
        }

        if (!Presets.Contains(preset))
        {
            throw new ArgumentException($"--preset: '{preset}' is not valid; valid: {string.Join(", ", Presets)}", "--preset");
        }

        if (preset == "medium" && !MediumExperiments.Contains(id))
        {
            throw new ArgumentException($"--preset medium: {id} has quick and paper presets; medium is for {string.Join(", ", MediumExperiments)}", "--preset");
        }

        var quick = preset == "quick";
        var seeds = settings.Seeds ?? 3;
        ArgumentOutOfRangeException.ThrowIfLessThan(seeds, 1, "--seeds");
        return id switch
        {
            "E1" => [new("", Search(Options(settings, preset, "cifar10", "googlenet", Quick(10000, 2000, 3, embedding: false)), settings, quick))],
            "E2" => [new("", Compare(Options(settings, preset, "cifar10", "googlenet", Sized("E2", Quick(10000, 2000, 3, embedding: true, classMeanImages: 5000))), seeds, "E2", "Figs. 6–7: loss comparison"))],
            "E3" => [new("", Compare(Options(settings, preset, "cifar10", "resnet50", Quick(500, 300, 2, embedding: true, model: "resnet18", batchSize: 32)), seeds, "E3", "Fig. 8: loss comparison with ResNet"))],
            "E5" => [new("", Variants(
                Options(settings, preset, "fashion-mnist", "resnet50", Sized("E5", Quick(10000, 2000, 3, embedding: false))),
                AblationVariants,
                "both",
                ["ce", "both"],
                "E5",
                "ablation: the softmax scale beta and the focal exponent gamma one at a time"))],
            "E6" =>
            [
                .. ImbalanceRatios.Select(ratio => new ReproductionPart($"ratio-{ratio}", Variants(
                    Options(settings, preset, "cifar10", "googlenet", Sized("E6", Quick(10000, 2000, 3, embedding: false, dataset: "cifar10"))) with { ImbalanceRatio = ratio },
                    ImbalanceVariants,
                    "improved",
                    ["ce"],
                    $"E6-ratio{ratio}",
                    $"long-tailed CIFAR-10, imbalance ratio {ratio}, balanced test set"))),
            ],
            _ =>
            [
                new("table1-cifar100", Compare(Options(settings, preset, "cifar100", "googlenet", Quick(3000, 1000, 2, embedding: true, dataset: "cifar100")), seeds, "E4-table1", "Table 1: CIFAR-100")),
                new("fig9-fashion-mnist", Compare(
                    WithBetaGamma(Options(settings, preset, "fashion-mnist", "resnet50", Quick(2000, 1000, 2, embedding: true)), 4, 10),
                    seeds, "E4-fig9", "Fig. 9: Fashion-MNIST, beta=4, gamma=10")),
            ],
        };

        QuickSize Sized(string experimentId, QuickSize quickSize) => preset == "medium" ? Medium[experimentId] : quickSize;

        ExperimentPlan Variants(TrainOptions options, IReadOnlyList<PlanVariant> variants, string reference, IReadOnlyList<string> pairedAgainst, string key, string what)
        {
            var plan = ExperimentPlan.CompareVariants(
                options, variants, seeds, reference, pairedAgainst, $"{id} ({preset} preset) — {what}: {options.Model} on {options.Dataset}, {options.Epochs} epochs, {seeds} seed(s)");
            return plan with { Experiment = key, Preset = preset };
        }

        // key: the paper's experiment (E4 in two parts, whose reported figures differ).
        ExperimentPlan Compare(TrainOptions options, int n, string key, string what)
        {
            // Every loss with its defaults, except the improved loss's options (E4's Fashion-MNIST part sets them).
            var losses = ExperimentPlan.PaperLosses.Select(l => l == options.Loss ? options.LossOptions : LossRegistry.Find(l).Defaults).ToArray();
            var plan = ExperimentPlan.Compare(options, losses, n, $"{id} ({preset} preset) — {what}: {options.Model} on {options.Dataset}, {options.Epochs} epochs, {n} seed(s)");
            return plan with { Experiment = key, Preset = preset };
        }
    }

    /// <summary>Why the dataset of <paramref name="options"/> cannot be loaded (with how to get it), or null when it can.</summary>
    public static string? MissingData(TrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Dataset.StartsWith(DatasetRegistry.FolderPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var path = options.Dataset[DatasetRegistry.FolderPrefix.Length..];
            return File.Exists(path) || Directory.Exists(path) ? null : $"{path}: no such image folder or archive";
        }

        var status = DatasetRegistry.Describe(new DataOptions { DataDir = options.DataDir })
            .FirstOrDefault(s => string.Equals(s.Name, options.Dataset, StringComparison.OrdinalIgnoreCase));
        if (status is null || status.IsAvailable || options.Download)
        {
            return null;
        }

        // The problem names the dataset and says how to get it.
        return status.Problem;
    }

    private static ExperimentPlan Search(TrainOptions options, ReproductionSettings settings, bool quick)
    {
        var spec = new SweepSpec
        {
            Mode = SweepMode.Coordinate,
            Axes = PaperSearchAxes,
            Seeds = settings.Seeds ?? 1,
            SelectOn = settings.SelectOn ?? "val",
            RefineRounds = quick ? 1 : 2,
        };
        var preset = quick ? "quick" : "paper";
        var plan = ExperimentPlan.ForSweep(
            options with { LossOptions = new ImprovedLossOptions() },
            spec,
            $"E1 ({preset} preset) — Figs. 1–4: beta and gamma of the improved loss, {options.Model} on {options.Dataset}, {options.Epochs} epochs, selected on the {(spec.SelectOn == "val" ? "validation" : "test")} split");
        return plan with { Experiment = "E1", Preset = preset };
    }

    private static PlanVariant Improved(string name, string label, double beta, double gamma) =>
        new(name, label, new ImprovedLossOptions { Beta = beta, Gamma = gamma });

    // The paper set beta=4, gamma=10 for Fashion-MNIST (its CIFAR values are the loss's defaults, 4 and 5).
    private static TrainOptions WithBetaGamma(TrainOptions options, double beta, double gamma) =>
        options with { LossOptions = new ImprovedLossOptions { Beta = beta, Gamma = gamma } };

    // Quick runs use Fashion-MNIST (installed offline) in place of CIFAR-10; E4's CIFAR-100 part keeps its dataset,
    // since another dataset is what it is about.
    // E3's ResNet-18 gets batches of 32: with 128, its 500 images make 8 steps in all, too few for the batch-norm
    // running statistics that evaluation uses (every loss then scored at chance, F1 0.04–0.13).
    // E5 quick is E2 quick's budget (10,000 Fashion-MNIST images, 3 epochs, small-cnn) without the embedding metrics,
    // which it does not report. E6 quick takes 1,000 images per class of CIFAR-10 before the imbalance thins them
    // (about 4,100 images at ratio 10, 2,500 at ratio 100) and tests on 2,000 balanced test images.
    // E2's metric losses predict by class means; those of 5,000 of the 10,000 training images bring its evaluation
    // to 14–16 % of an epoch (from about 32 %) and move its accuracy and F1 by about 0.001–0.002 (benchmarks/README.md).
    private static QuickSize Quick(
        int train, int test, int epochs, bool embedding, string model = "small-cnn", string dataset = "fashion-mnist", int batchSize = 128, int? classMeanImages = null) =>
        new(train, test, epochs, embedding, model, dataset, batchSize, classMeanImages);

    // The medium preset: small-cnn on all of CIFAR-10 (official files, or the same images as a folder with --dataset),
    // batch 128, 3 seeds, on 2 cores about 45 minutes per experiment (E2: 21 runs of 2 epochs; E5: 15 runs of 2 epochs;
    // E6: 36 runs of 3 epochs on the long-tailed sets of 20,431 and 12,406 images). E2's metric losses take their class
    // means from 10,000 of the 50,000 training images (1,000 per class).
    private static readonly Dictionary<string, QuickSize> Medium = new()
    {
        ["E2"] = new(null, null, 2, Embedding: true, "small-cnn", "cifar10", 128, ClassMeanImages: 10000),
        ["E5"] = new(null, null, 2, Embedding: false, "small-cnn", "cifar10", 128, ClassMeanImages: null),
        ["E6"] = new(null, null, 3, Embedding: false, "small-cnn", "cifar10", 128, ClassMeanImages: null),
    };

    private static TrainOptions Options(ReproductionSettings settings, string preset, string paperDataset, string paperModel, QuickSize size)
    {
        var options = preset != "paper"
            ? new TrainOptions
            {
                Dataset = size.Dataset,
                Model = size.Model,
                TrainLimit = size.Train,
                TestLimit = size.Test,
                Epochs = size.Epochs,
                BatchSize = size.BatchSize,
                Threads = 2,
                EmbeddingMetrics = size.Embedding,
                ClassMeanImages = size.ClassMeanImages,
                Preset = preset,
            }
            : new TrainOptions
            {
                Dataset = paperDataset,
                Model = paperModel,
                Epochs = 70,
                LearningRate = 1e-5,
                WeightDecay = 4e-4,
                Preset = "paper",
            };
        options = options with
        {
            Dataset = settings.Dataset ?? options.Dataset,
            DataDir = settings.DataDir,
            Download = settings.Download,
            Threads = settings.Threads ?? options.Threads,
            Device = settings.Device ?? options.Device,
            Epochs = settings.Epochs ?? options.Epochs,
            TrainLimit = settings.TrainLimit ?? options.TrainLimit,
            TestLimit = settings.TestLimit ?? options.TestLimit,
            Seed = settings.Seed ?? options.Seed,
        };
        options.Validate();
        return options;
    }

    private sealed record QuickSize(int? Train, int? Test, int Epochs, bool Embedding, string Model, string Dataset, int BatchSize, int? ClassMeanImages);
}
