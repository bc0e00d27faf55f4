using System.Globalization;
using LossLab.Losses;
using LossLab.Training;

namespace LossLab.Experiments;

/// <summary>
/// The training options an experiment can vary (<c>--grid beta=2,3,4</c>), named like their command-line flags
/// without the dashes: each parses a value, writes it into <see cref="TrainOptions"/> and reads it back. The loss's
/// own options are the keys of <see cref="LossRegistry"/>'s options records; such a key applies to a loss that has it.
/// </summary>
public static class OptionKeys
{
    private static readonly Key[] Before =
    [
        Text("dataset", (o, v) => o with { Dataset = v }, o => o.Dataset),
        Text("model", (o, v) => o with { Model = v }, o => o.Model),
        new("loss", false, false, v => LossRegistry.Find(v).Name, (o, v) => o with { LossOptions = SwitchLoss(o.LossOptions, LossRegistry.Find(v)) }, o => o.Loss),
    ];

    private static readonly Key[] After =
    [
        Whole("epochs", (o, v) => o with { Epochs = v }, o => o.Epochs),
        Whole("batch-size", (o, v) => o with { BatchSize = v }, o => o.BatchSize),
        Real("lr", (o, v) => o with { LearningRate = v }, o => o.LearningRate),
        Real("weight-decay", (o, v) => o with { WeightDecay = v }, o => o.WeightDecay),
        Choice<OptimizerKind>("optimizer", (o, v) => o with { Optimizer = v }, o => o.Optimizer),
        Real("momentum", (o, v) => o with { Momentum = v }, o => o.Momentum),
        Whole("embedding-dim", (o, v) => o with { EmbeddingDim = v }, o => o.EmbeddingDim),
        Whole("samples-per-class", (o, v) => o with { SamplesPerClass = v }, o => o.SamplesPerClass),
        Whole("train-limit", (o, v) => o with { TrainLimit = v }, o => o.TrainLimit),
        Whole("test-limit", (o, v) => o with { TestLimit = v }, o => o.TestLimit),
        Real("imbalance-ratio", (o, v) => o with { ImbalanceRatio = v }, o => o.ImbalanceRatio),
        Choice<AugmentMode>("augment", (o, v) => o with { Augment = v }, o => o.Augment),
        Whole("seed", (o, v) => o with { Seed = v }, o => o.Seed),
    ];

    private static readonly Dictionary<string, Key> Keys =
        Before.Concat(LossRegistry.OptionKeys.Select(LossKey)).Concat(After).ToDictionary(k => k.Name, StringComparer.Ordinal);

    /// <summary>Every key, in display order: dataset, model, loss, the loss options, then the other training options.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Before.Select(k => k.Name), .. LossRegistry.OptionKeys, .. After.Select(k => k.Name)];

    /// <summary>Whether the key's values are numbers (plotted and refined on a numeric axis).</summary>
    public static bool IsNumeric(string key) => Find(key).Numeric;

    /// <summary>Whether the key's values are whole numbers (refinement midpoints are rounded to integers).</summary>
    public static bool IsInteger(string key) => Find(key).Integer;

    /// <summary>Whether the key is an option of a loss (see <see cref="LossRegistry.OptionKeys"/>).</summary>
    public static bool IsLossOption(string key) => LossRegistry.OptionKeys.Contains(key);

    /// <summary>The value in canonical form (numbers in shortest invariant notation, so <c>4.0</c> and <c>4</c> are one value).</summary>
    /// <exception cref="ArgumentException">Unknown key, or a value that is not of the key's type.</exception>
    public static string Canonical(string key, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Find(key).Canonical(value.Trim());
    }

    /// <summary>
    /// Options with <paramref name="key"/> set to <paramref name="value"/>. A loss option needs a loss that has it.
    /// Changing the loss starts from the new loss's defaults and keeps the values of the options both losses have
    /// that differ from the old loss's defaults (so <c>--loss triplet --margin 0.3 --grid loss=triplet,contrastive</c>
    /// gives both the margin 0.3).
    /// </summary>
    /// <exception cref="ArgumentException">Unknown key, a value that is not of the key's type, or a loss option of another loss.</exception>
    public static TrainOptions Apply(TrainOptions options, string key, string value)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(value);
        return Find(key).Apply(options, value.Trim());
    }

    /// <summary>
    /// The option's value in canonical form; for a loss option, null when the loss has no such option or it has the
    /// loss's default (so that runs of different losses differ only in the options that were set).
    /// </summary>
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

    private static LossOptions SwitchLoss(LossOptions current, LossDefinition next)
    {
        var previous = LossRegistry.Of(current);
        if (previous == next)
        {
            return current;
        }

        var options = next.Defaults;
        foreach (var option in next.Options)
        {
            var old = previous.Option(option.Key);
            if (old is not null && old.ValueType == option.ValueType && old.Format(current) is { } text && text != old.Default)
            {
                options = option.With(options, text);
            }
        }

        return options;
    }

    private static Key LossKey(string key)
    {
        var options = LossRegistry.All.SelectMany(d => d.Options).Where(o => o.Key == key).ToArray();
        var first = options[0];
        if (options.Any(o => o.ValueType != first.ValueType))
        {
            throw new InvalidOperationException($"loss option {key} has different types in different losses");
        }

        return new Key(
            key,
            first.IsNumeric,
            false,
            first.Canonical,
            (o, v) => o with { LossOptions = LossRegistry.Of(o.LossOptions).With(o.LossOptions, key, v) },
            o => LossRegistry.Of(o.LossOptions).Option(key) is { } option && option.Format(o.LossOptions) is { } value && value != option.Default ? value : null);
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

    private static Key Choice<T>(string name, Func<TrainOptions, T, TrainOptions> apply, Func<TrainOptions, T> read)
        where T : struct, Enum =>
        new(name, false, false, v => EnumNames.Format(EnumNames.Parse<T>(v, name)), (o, v) => apply(o, EnumNames.Parse<T>(v, name)), o => EnumNames.Format(read(o)));

    private static Key Real(string name, Func<TrainOptions, double, TrainOptions> apply, Func<TrainOptions, double?> read) =>
        new(name, true, false, v => Format(ParseReal(name, v)), (o, v) => apply(o, ParseReal(name, v)), o => read(o) is { } x ? Format(x) : null);

    private static Key Whole(string name, Func<TrainOptions, int, TrainOptions> apply, Func<TrainOptions, int?> read) =>
        new(name, true, true, v => ParseWhole(name, v).ToString(CultureInfo.InvariantCulture), (o, v) => apply(o, ParseWhole(name, v)), o => read(o)?.ToString(CultureInfo.InvariantCulture));

    private sealed record Key(string Name, bool Numeric, bool Integer, Func<string, string> Canonical, Func<TrainOptions, string, TrainOptions> Apply, Func<TrainOptions, string?> Read);
}
