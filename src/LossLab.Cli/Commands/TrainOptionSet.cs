using System.CommandLine;
using LossLab.Losses;
using LossLab.Training;

namespace LossLab.Cli.Commands;

/// <summary>The options shared by every command that trains (train, sweep, compare, reproduce).</summary>
public sealed class TrainOptionSet
{
    /// <summary><c>--dataset</c>.</summary>
    public Option<string?> Dataset { get; } = new("--dataset") { Description = "fashion-mnist (default), cifar10, cifar100, cifar100-coarse or folder:PATH (a train/ and test/ image folder, or a .tar.gz of one)" };

    /// <summary><c>--data-dir</c>.</summary>
    public Option<string?> DataDir { get; } = new("--data-dir") { Description = "Folder holding the dataset files, used alone when given (without it: $LOSSLAB_DATA, the download folder, /usr/share/datasets/fashion-mnist)" };

    /// <summary><c>--download</c>.</summary>
    public Option<bool> Download { get; } = new("--download") { Description = "Download the official archives when the dataset is not found" };

    /// <summary><c>--model</c>.</summary>
    public Option<string?> Model { get; } = new("--model") { Description = "small-cnn (default), resnet18, resnet50 or googlenet" };

    /// <summary><c>--loss</c>.</summary>
    public Option<string?> Loss { get; } = new("--loss") { Description = $"{string.Join(", ", LossRegistry.Names)} (default improved; see losslab losses)" };

    /// <summary>The loss options' flags (<c>--beta</c>, <c>--margin</c>, ...), one per key of <see cref="LossRegistry.OptionKeys"/>, in that order; losses that share a key share the flag.</summary>
    public IReadOnlyList<Option> LossFlags { get; } = LossRegistry.OptionKeys.Select(LossFlag).ToArray();

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
    public Option<int?> Threads { get; } = new("--threads") { Description = "CPU threads for libtorch (default: all cores; at most 4 × the logical cores)" };

    /// <summary><c>--device</c>.</summary>
    public Option<string?> Device { get; } = new("--device") { Description = "auto (default: CUDA when available), cpu or cuda" };

    /// <summary><c>--no-embedding-metrics</c>.</summary>
    public Option<bool> NoEmbeddingMetrics { get; } = new("--no-embedding-metrics") { Description = "Skip k-means NMI, pair F1 and Recall@K each epoch" };

    /// <summary><c>--on-nan</c>.</summary>
    public Option<string?> OnNan { get; } = new("--on-nan") { Description = "stop (default) or skip-batch when the loss or a gradient is NaN/Inf" };

    /// <summary><c>--init-from</c>.</summary>
    public Option<string?> InitFrom { get; } = new("--init-from") { Description = "Start from a PyTorch state_dict (torch.save(model.state_dict()) of python/losslab_models.py, or losslab export); tensors whose names and shapes match are loaded" };

    /// <summary><c>--init-from-strict</c>.</summary>
    public Option<bool> InitFromStrict { get; } = new("--init-from-strict") { Description = "With --init-from: the file must hold exactly the model's (and loss's) tensors, as load_state_dict(strict=True)" };

    /// <summary><c>--preset</c>.</summary>
    public Option<string?> Preset { get; } = new("--preset") { Description = "default or paper (Adam lr 1e-5, weight decay 4e-4, 70 epochs)" };

    /// <summary>Every option, in help order.</summary>
    public IReadOnlyList<Option> All =>
    [
        Dataset, DataDir, Download, Model, Loss, .. LossFlags, Epochs, BatchSize, Lr, WeightDecay, Optimizer, Momentum,
        EmbeddingDim, SamplesPerClass, TrainLimit, TestLimit, ClassMeanImages, ImbalanceRatio, Augment, Seed, Threads, Device,
        NoEmbeddingMetrics, OnNan, InitFrom, InitFromStrict, Preset,
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

    /// <summary>
    /// The most <c>--threads</c> this machine accepts: 4 × its logical cores (more only add switching between
    /// threads that wait for a core), and never more than <see cref="TrainOptions.MaxThreads"/>.
    /// </summary>
    public static int MaxThreads => Math.Min(4 * Environment.ProcessorCount, TrainOptions.MaxThreads);

    /// <summary>Refuses a <c>--threads</c> above <see cref="MaxThreads"/>, naming the bound.</summary>
    public static void CheckThreads(int? threads)
    {
        if (threads > MaxThreads)
        {
            throw new ArgumentOutOfRangeException(
                "--threads",
                threads,
                MaxThreads < TrainOptions.MaxThreads
                    ? $"--threads must be at most {MaxThreads}, 4 × the {Environment.ProcessorCount} logical cores of this machine"
                    : $"--threads must be at most {MaxThreads}");
        }
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
        CheckThreads(parse.GetValue(Threads));
        var loss = FindLoss(parse.GetValue(Loss) ?? options.Loss);
        return options with
        {
            Dataset = parse.GetValue(Dataset) ?? options.Dataset,
            DataDir = parse.GetValue(DataDir),
            Download = parse.GetValue(Download),
            Model = parse.GetValue(Model) ?? options.Model,
            LossOptions = BuildLoss(parse, loss),
            Epochs = parse.GetValue(Epochs) ?? options.Epochs,
            BatchSize = parse.GetValue(BatchSize) ?? options.BatchSize,
            LearningRate = parse.GetValue(Lr) ?? options.LearningRate,
            WeightDecay = parse.GetValue(WeightDecay) ?? options.WeightDecay,
            Optimizer = Choice(parse, Optimizer, options.Optimizer),
            Momentum = parse.GetValue(Momentum) ?? options.Momentum,
            EmbeddingDim = parse.GetValue(EmbeddingDim) ?? options.EmbeddingDim,
            SamplesPerClass = parse.GetValue(SamplesPerClass) ?? options.SamplesPerClass,
            TrainLimit = parse.GetValue(TrainLimit) ?? options.TrainLimit,
            TestLimit = parse.GetValue(TestLimit) ?? options.TestLimit,
            ClassMeanImages = parse.GetValue(ClassMeanImages) ?? options.ClassMeanImages,
            ImbalanceRatio = parse.GetValue(ImbalanceRatio) ?? options.ImbalanceRatio,
            Augment = Choice(parse, Augment, options.Augment),
            Seed = parse.GetValue(Seed) ?? options.Seed,
            Threads = parse.GetValue(Threads) ?? options.Threads,
            Device = Choice(parse, Device, options.Device),
            EmbeddingMetrics = !parse.GetValue(NoEmbeddingMetrics),
            OnNan = Choice(parse, OnNan, options.OnNan),
            InitFrom = parse.GetValue(InitFrom),
            InitFromStrict = parse.GetValue(InitFromStrict),
        };
    }

    /// <summary>
    /// The options of <paramref name="loss"/>: its defaults, then the loss flags given on the command line that it has,
    /// except those in <paramref name="except"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A value that is not valid for the option; the parameter name is the option's key.</exception>
    public LossOptions BuildLoss(ParseResult parse, LossDefinition loss, params string[] except)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(loss);
        var options = loss.Defaults;
        foreach (var (key, text) in GivenLossValues(parse))
        {
            if (loss.Option(key) is not null && !except.Contains(key))
            {
                options = loss.With(options, key, text);
            }
        }

        return options;
    }

    /// <summary>The loss flags given on the command line that none of <paramref name="losses"/> has (for a warning).</summary>
    public IReadOnlyList<string> IgnoredLossFlags(ParseResult parse, IEnumerable<LossDefinition> losses)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var used = losses.SelectMany(l => l.Options).Select(o => o.Key).ToHashSet();
        return GivenLossValues(parse).Where(v => !used.Contains(v.Key)).Select(v => "--" + v.Key).ToArray();
    }

    /// <summary>The loss named <paramref name="name"/>, or an error naming <c>--loss</c> and the valid names.</summary>
    public static LossDefinition FindLoss(string name)
    {
        try
        {
            return LossRegistry.Find(name);
        }
        catch (ArgumentException)
        {
            throw new ArgumentException($"--loss: unknown loss '{name}'; valid: {string.Join(", ", LossRegistry.Names)}", "--loss");
        }
    }

    private IEnumerable<(string Key, string Text)> GivenLossValues(ParseResult parse)
    {
        foreach (var flag in LossFlags.Where(f => parse.GetResult(f) is { Implicit: false }))
        {
            var key = flag.Name[2..];
            switch (flag)
            {
                case Option<bool> on when parse.GetValue(on):
                    yield return (key, "true");
                    break;
                case Option<string?> text when parse.GetValue(text) is { } value:
                    yield return (key, value);
                    break;
            }
        }
    }

    private static T Choice<T>(ParseResult parse, Option<string?> option, T fallback)
        where T : struct, Enum =>
        parse.GetValue(option) is { } text ? EnumNames.Parse<T>(text, option.Name) : fallback;

    /// <summary>The flag of loss option <paramref name="key"/>, described from every loss that has it.</summary>
    private static Option LossFlag(string key)
    {
        var uses = LossRegistry.All.SelectMany(d => d.Options.Where(o => o.Key == key).Select(o => (Loss: d.Name, Option: o))).ToArray();
        var description = string.Join("; ", uses.GroupBy(u => u.Option.Description).Select(g =>
        {
            var option = g.First().Option;
            var values = option.Choices.Count > 0 ? $" ({string.Join(" or ", option.Choices)})" : "";
            var losses = string.Join(", ", g.Select(u => u.Option.Default is { } d && !u.Option.IsSwitch ? $"{u.Loss} (default {d})" : u.Loss));
            return $"{g.Key}{values} — {losses}";
        }));
        description = char.ToUpperInvariant(description[0]) + description[1..];
        return uses[0].Option.IsSwitch
            ? new Option<bool>("--" + key) { Description = description }
            : new Option<string?>("--" + key) { Description = description };
    }
}
