using System.CommandLine;
using System.Globalization;
using LossLab.Losses;
using LossLab.Training;

namespace LossLab.Cli.Commands;

/// <summary>The options shared by every command that trains (train, sweep, compare, reproduce).</summary>
public sealed class TrainOptionSet
{
    /// <summary><c>--dataset</c>.</summary>
    public Option<string?> Dataset { get; } = new("--dataset") { Description = "fashion-mnist (default), cifar10, cifar100, cifar100-coarse or folder:PATH (a train/ and test/ image folder, or a .tar.gz of one)" };

    /// <summary><c>--data-dir</c>.</summary>
    public Option<string?> DataDir { get; } = new("--data-dir") { Description = "Folder holding the dataset files (searched before $LOSSLAB_DATA and /usr/share/datasets/fashion-mnist)" };

    /// <summary><c>--download</c>.</summary>
    public Option<bool> Download { get; } = new("--download") { Description = "Download the official archives when the dataset is not found" };

    /// <summary><c>--model</c>.</summary>
    public Option<string?> Model { get; } = new("--model") { Description = "small-cnn (default), resnet18, resnet50 or googlenet" };

    /// <summary><c>--loss</c>.</summary>
    public Option<string?> Loss { get; } = new("--loss") { Description = "improved (default), ce, focal, triplet, margin, proxynca, npair or contrastive" };

    /// <summary><c>--beta</c>.</summary>
    public Option<double?> Beta { get; } = new("--beta") { Description = "Softmax scale of the improved loss (> 0; default 4)" };

    /// <summary><c>--gamma</c>.</summary>
    public Option<double?> Gamma { get; } = new("--gamma") { Description = "Focusing parameter of the improved/focal loss (≥ 0; default 5 improved, 2 focal)" };

    /// <summary><c>--alpha</c>.</summary>
    public Option<string?> Alpha { get; } = new("--alpha") { Description = "Per-class weights of the improved/focal loss, comma-separated (one per class)" };

    /// <summary><c>--label-smoothing</c>.</summary>
    public Option<double?> LabelSmoothing { get; } = new("--label-smoothing") { Description = "Label smoothing of ce (default 0)" };

    /// <summary><c>--margin</c>.</summary>
    public Option<double?> Margin { get; } = new("--margin") { Description = "Margin of triplet (0.2), contrastive (1.0) and margin loss α (0.2)" };

    /// <summary><c>--margin-beta</c>.</summary>
    public Option<double?> MarginBeta { get; } = new("--margin-beta") { Description = "Initial per-class boundary β₀ of the margin loss (default 1.2)" };

    /// <summary><c>--margin-beta-lr</c>.</summary>
    public Option<double?> MarginBetaLr { get; } = new("--margin-beta-lr") { Description = "Learning rate of the margin loss's β (default 5e-4)" };

    /// <summary><c>--distance-cutoff</c>.</summary>
    public Option<bool> DistanceCutoff { get; } = new("--distance-cutoff") { Description = "Margin loss: sample negatives only below distance 1.4" };

    /// <summary><c>--mining</c>.</summary>
    public Option<string?> Mining { get; } = new("--mining") { Description = "Triplet mining: semi-hard (default) or batch-hard" };

    /// <summary><c>--proxy-lr-mult</c>.</summary>
    public Option<double?> ProxyLrMult { get; } = new("--proxy-lr-mult") { Description = "ProxyNCA proxy learning rate as a multiple of --lr (default 50)" };

    /// <summary><c>--npair-l2</c>.</summary>
    public Option<double?> NPairL2 { get; } = new("--npair-l2") { Description = "N-pair embedding L2 penalty λ (default 0.005)" };

    /// <summary><c>--epochs</c>.</summary>
    public Option<int?> Epochs { get; } = new("--epochs") { Description = "Training epochs (default 2; paper preset 70)" };

    /// <summary><c>--batch-size</c>.</summary>
    public Option<int?> BatchSize { get; } = new("--batch-size") { Description = "Mini-batch size (default 128)" };

    /// <summary><c>--lr</c>.</summary>
    public Option<double?> Lr { get; } = new("--lr") { Description = "Learning rate (default 1e-3; paper preset 1e-5)" };

    /// <summary><c>--weight-decay</c>.</summary>
    public Option<double?> WeightDecay { get; } = new("--weight-decay") { Description = "Weight decay (default 0; paper preset 4e-4)" };

    /// <summary><c>--optimizer</c>.</summary>
    public Option<string?> Optimizer { get; } = new("--optimizer") { Description = "adam (default) or sgd" };

    /// <summary><c>--momentum</c>.</summary>
    public Option<double?> Momentum { get; } = new("--momentum") { Description = "SGD momentum (default 0.9)" };

    /// <summary><c>--embedding-dim</c>.</summary>
    public Option<int?> EmbeddingDim { get; } = new("--embedding-dim") { Description = "Embedding width (default 128)" };

    /// <summary><c>--samples-per-class</c>.</summary>
    public Option<int?> SamplesPerClass { get; } = new("--samples-per-class") { Description = "K of the P×K batches of metric losses (default 4)" };

    /// <summary><c>--train-limit</c>.</summary>
    public Option<int?> TrainLimit { get; } = new("--train-limit") { Description = "Use only N training images, class-balanced (for quick runs)" };

    /// <summary><c>--test-limit</c>.</summary>
    public Option<int?> TestLimit { get; } = new("--test-limit") { Description = "Evaluate on only N test images, class-balanced" };

    /// <summary><c>--class-mean-images</c>.</summary>
    public Option<int?> ClassMeanImages { get; } = new("--class-mean-images") { Description = "Metric losses: class means for the nearest-class-mean prediction from N training images, class-stratified (default: all)" };

    /// <summary><c>--imbalance-ratio</c>.</summary>
    public Option<double?> ImbalanceRatio { get; } = new("--imbalance-ratio") { Description = "Class-imbalanced training set: class c keeps n·r^(−c/(C−1)) images (r ≥ 1)" };

    /// <summary><c>--augment</c>.</summary>
    public Option<string?> Augment { get; } = new("--augment") { Description = "auto (default: on for 32×32 colour data), on or off: pad-4 random crop + horizontal flip" };

    /// <summary><c>--seed</c>.</summary>
    public Option<int?> Seed { get; } = new("--seed") { Description = "Random seed (default 1)" };

    /// <summary><c>--threads</c>.</summary>
    public Option<int?> Threads { get; } = new("--threads") { Description = "CPU threads for libtorch (default: all cores)" };

    /// <summary><c>--device</c>.</summary>
    public Option<string?> Device { get; } = new("--device") { Description = "auto (default: CUDA when available), cpu or cuda" };

    /// <summary><c>--no-embedding-metrics</c>.</summary>
    public Option<bool> NoEmbeddingMetrics { get; } = new("--no-embedding-metrics") { Description = "Skip k-means NMI, pair F1 and Recall@K each epoch" };

    /// <summary><c>--on-nan</c>.</summary>
    public Option<string?> OnNan { get; } = new("--on-nan") { Description = "stop (default) or skip-batch when the loss or a gradient is NaN/Inf" };

    /// <summary><c>--preset</c>.</summary>
    public Option<string?> Preset { get; } = new("--preset") { Description = "default or paper (Adam lr 1e-5, weight decay 4e-4, 70 epochs)" };

    /// <summary>Every option, in help order.</summary>
    public IReadOnlyList<Option> All =>
    [
        Dataset, DataDir, Download, Model, Loss, Beta, Gamma, Alpha, LabelSmoothing, Margin, MarginBeta, MarginBetaLr,
        DistanceCutoff, Mining, ProxyLrMult, NPairL2, Epochs, BatchSize, Lr, WeightDecay, Optimizer, Momentum,
        EmbeddingDim, SamplesPerClass, TrainLimit, TestLimit, ClassMeanImages, ImbalanceRatio, Augment, Seed, Threads, Device,
        NoEmbeddingMetrics, OnNan, Preset,
    ];

    /// <summary>Adds every option to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        foreach (var option in All)
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The options given on the command line (not defaults).</summary>
    public IReadOnlyList<Option> Given(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return All.Where(o => parse.GetResult(o) is { Implicit: false }).ToArray();
    }

    /// <summary>Builds the options: defaults, then the preset, then what was given on the command line.</summary>
    public TrainOptions Build(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var preset = parse.GetValue(Preset) ?? "default";
        var options = preset switch
        {
            "default" => new TrainOptions(),
            "paper" => new TrainOptions { LearningRate = 1e-5, WeightDecay = 4e-4, Epochs = 70, Preset = "paper" },
            _ => throw new ArgumentException($"--preset: '{preset}' is not valid; valid: default, paper", "--preset"),
        };
        var lossName = parse.GetValue(Loss) ?? options.Loss;
        var margin = parse.GetValue(Margin);
        var isMarginLoss = string.Equals(lossName, "margin", StringComparison.OrdinalIgnoreCase);
        var loss = new LossOptions
        {
            Beta = parse.GetValue(Beta),
            Gamma = parse.GetValue(Gamma),
            Alpha = ParseAlpha(parse.GetValue(Alpha)),
            LabelSmoothing = parse.GetValue(LabelSmoothing),
            // --margin is the margin of triplet and contrastive, and α of the margin loss.
            Margin = isMarginLoss ? null : margin,
            MarginAlpha = isMarginLoss ? margin : null,
            MarginBeta = parse.GetValue(MarginBeta),
            MarginBetaLr = parse.GetValue(MarginBetaLr),
            DistanceCutoff = parse.GetValue(DistanceCutoff) ? true : null,
            TripletMining = parse.GetValue(Mining),
            ProxyLrMultiplier = parse.GetValue(ProxyLrMult),
            NPairL2 = parse.GetValue(NPairL2),
        };
        return options with
        {
            Dataset = parse.GetValue(Dataset) ?? options.Dataset,
            DataDir = parse.GetValue(DataDir),
            Download = parse.GetValue(Download),
            Model = parse.GetValue(Model) ?? options.Model,
            Loss = lossName,
            LossOptions = loss,
            Epochs = parse.GetValue(Epochs) ?? options.Epochs,
            BatchSize = parse.GetValue(BatchSize) ?? options.BatchSize,
            LearningRate = parse.GetValue(Lr) ?? options.LearningRate,
            WeightDecay = parse.GetValue(WeightDecay) ?? options.WeightDecay,
            Optimizer = parse.GetValue(Optimizer) ?? options.Optimizer,
            Momentum = parse.GetValue(Momentum) ?? options.Momentum,
            EmbeddingDim = parse.GetValue(EmbeddingDim) ?? options.EmbeddingDim,
            SamplesPerClass = parse.GetValue(SamplesPerClass) ?? options.SamplesPerClass,
            TrainLimit = parse.GetValue(TrainLimit) ?? options.TrainLimit,
            TestLimit = parse.GetValue(TestLimit) ?? options.TestLimit,
            ClassMeanImages = parse.GetValue(ClassMeanImages) ?? options.ClassMeanImages,
            ImbalanceRatio = parse.GetValue(ImbalanceRatio) ?? options.ImbalanceRatio,
            Augment = parse.GetValue(Augment) ?? options.Augment,
            Seed = parse.GetValue(Seed) ?? options.Seed,
            Threads = parse.GetValue(Threads) ?? options.Threads,
            Device = parse.GetValue(Device) ?? options.Device,
            EmbeddingMetrics = !parse.GetValue(NoEmbeddingMetrics),
            OnNan = parse.GetValue(OnNan) ?? options.OnNan,
        };
    }

    private static double[]? ParseAlpha(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var parts = text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var values = new double[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]))
            {
                throw new ArgumentException($"--alpha: '{parts[i]}' is not a number", "--alpha");
            }
        }

        return values;
    }
}
