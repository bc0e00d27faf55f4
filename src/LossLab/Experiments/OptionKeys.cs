using System.Globalization;
using LossLab.Training;

namespace LossLab.Experiments;

/// <summary>
/// The training options an experiment can vary (<c>--grid beta=2,3,4</c>), named like their command-line flags
/// without the dashes: each parses a value, writes it into <see cref="TrainOptions"/> and reads it back.
/// </summary>
public static class OptionKeys
{
    private static readonly Dictionary<string, Key> Keys = new Key[]
    {
        Text("dataset", (o, v) => o with { Dataset = v }, o => o.Dataset),
        Text("model", (o, v) => o with { Model = v }, o => o.Model),
        Text("loss", (o, v) => o with { Loss = v }, o => o.Loss),
        Real("beta", (o, v) => o with { LossOptions = o.LossOptions with { Beta = v } }, o => o.LossOptions.Beta),
        Real("gamma", (o, v) => o with { LossOptions = o.LossOptions with { Gamma = v } }, o => o.LossOptions.Gamma),
        Real("label-smoothing", (o, v) => o with { LossOptions = o.LossOptions with { LabelSmoothing = v } }, o => o.LossOptions.LabelSmoothing),

        // As on the command line: the margin of triplet and contrastive, and α of the margin loss.
        Real("margin", (o, v) => o with { LossOptions = o.LossOptions with { Margin = v, MarginAlpha = v } }, o => o.LossOptions.Margin ?? o.LossOptions.MarginAlpha),
        Real("margin-beta", (o, v) => o with { LossOptions = o.LossOptions with { MarginBeta = v } }, o => o.LossOptions.MarginBeta),
        Real("margin-beta-lr", (o, v) => o with { LossOptions = o.LossOptions with { MarginBetaLr = v } }, o => o.LossOptions.MarginBetaLr),
        Text("mining", (o, v) => o with { LossOptions = o.LossOptions with { TripletMining = v } }, o => o.LossOptions.TripletMining),
        Real("proxy-lr-mult", (o, v) => o with { LossOptions = o.LossOptions with { ProxyLrMultiplier = v } }, o => o.LossOptions.ProxyLrMultiplier),
        Real("npair-l2", (o, v) => o with { LossOptions = o.LossOptions with { NPairL2 = v } }, o => o.LossOptions.NPairL2),
        Whole("epochs", (o, v) => o with { Epochs = v }, o => o.Epochs),
        Whole("batch-size", (o, v) => o with { BatchSize = v }, o => o.BatchSize),
        Real("lr", (o, v) => o with { LearningRate = v }, o => o.LearningRate),
        Real("weight-decay", (o, v) => o with { WeightDecay = v }, o => o.WeightDecay),
        Text("optimizer", (o, v) => o with { Optimizer = v }, o => o.Optimizer),
        Real("momentum", (o, v) => o with { Momentum = v }, o => o.Momentum),
        Whole("embedding-dim", (o, v) => o with { EmbeddingDim = v }, o => o.EmbeddingDim),
        Whole("samples-per-class", (o, v) => o with { SamplesPerClass = v }, o => o.SamplesPerClass),
        Whole("train-limit", (o, v) => o with { TrainLimit = v }, o => o.TrainLimit),
        Whole("test-limit", (o, v) => o with { TestLimit = v }, o => o.TestLimit),
        Real("imbalance-ratio", (o, v) => o with { ImbalanceRatio = v }, o => o.ImbalanceRatio),
        Text("augment", (o, v) => o with { Augment = v }, o => o.Augment),
        Whole("seed", (o, v) => o with { Seed = v }, o => o.Seed),
    }.ToDictionary(k => k.Name, StringComparer.Ordinal);

    /// <summary>Every key, in display order.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "dataset", "model", "loss", "beta", "gamma", "label-smoothing", "margin", "margin-beta", "margin-beta-lr", "mining",
        "proxy-lr-mult", "npair-l2", "epochs", "batch-size", "lr", "weight-decay", "optimizer", "momentum", "embedding-dim",
        "samples-per-class", "train-limit", "test-limit", "imbalance-ratio", "augment", "seed",
    ];

    /// <summary>Whether the key's values are numbers (plotted and refined on a numeric axis).</summary>
    public static bool IsNumeric(string key) => Find(key).Numeric;

    /// <summary>Whether the key's values are whole numbers (refinement midpoints are rounded to integers).</summary>
    public static bool IsInteger(string key) => Find(key).Integer;

    /// <summary>The value in canonical form (numbers in shortest invariant notation, so <c>4.0</c> and <c>4</c> are one value).</summary>
    /// <exception cref="ArgumentException">Unknown key, or a value that is not of the key's type.</exception>
    public static string Canonical(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Find(key).Canonical(value.Trim());
    }

    /// <summary>Options with <paramref name="key"/> set to <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentException">Unknown key, or a value that is not of the key's type.</exception>
    public static TrainOptions Apply(TrainOptions options, string key, string value)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(value);
        return Find(key).Apply(options, value.Trim());
    }

    /// <summary>The option's value in canonical form, or null when it is unset (the loss's default).</summary>
    public static string? Read(TrainOptions options, string key)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Find(key).Read(options);
    }

    private static Key Find(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Keys.TryGetValue(key, out var found)
            ? found
            : throw new ArgumentException($"unknown option '{key}'; valid: {string.Join(", ", Names)}", nameof(key));
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static double ParseReal(string name, string value) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && double.IsFinite(parsed)
            ? parsed
            : throw new ArgumentException($"{name}: '{value}' is not a number", name);

    private static int ParseWhole(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw new ArgumentException($"{name}: '{value}' is not a whole number", name);

    private static Key Text(string name, Func<TrainOptions, string, TrainOptions> apply, Func<TrainOptions, string?> read) =>
        new(name, false, false, v => v.Length > 0 ? v : throw new ArgumentException($"{name}: empty value", name), apply, read);

    private static Key Real(string name, Func<TrainOptions, double, TrainOptions> apply, Func<TrainOptions, double?> read) =>
        new(name, true, false, v => Format(ParseReal(name, v)), (o, v) => apply(o, ParseReal(name, v)), o => read(o) is { } x ? Format(x) : null);

    private static Key Whole(string name, Func<TrainOptions, int, TrainOptions> apply, Func<TrainOptions, int?> read) =>
        new(name, true, true, v => ParseWhole(name, v).ToString(CultureInfo.InvariantCulture), (o, v) => apply(o, ParseWhole(name, v)), o => read(o)?.ToString(CultureInfo.InvariantCulture));

    private sealed record Key(string Name, bool Numeric, bool Integer, Func<string, string> Canonical, Func<TrainOptions, string, TrainOptions> Apply, Func<TrainOptions, string?> Read);
}
