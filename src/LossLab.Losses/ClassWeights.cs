using System.Globalization;
using System.Text.Json.Serialization;

namespace LossLab.Losses;

/// <summary>
/// Per-class weights alpha: given one per class, or computed from the training set's class counts as the inverse
/// effective number of samples (Cui et al., CVPR 2019): alpha_c ∝ (1 − B) / (1 − B^{n_c}), normalised to mean 1 over
/// the classes (a class without training images gets 0). Written as text: <c>1,2,0.5</c> or <c>effective-number:0.999</c>.
/// </summary>
[JsonConverter(typeof(ClassWeightsJsonConverter))]
public sealed class ClassWeights : IEquatable<ClassWeights>
{
    /// <summary>The prefix of the effective-number form.</summary>
    public const string EffectiveNumberPrefix = "effective-number:";

    private readonly double[]? weights;

    private ClassWeights(double[]? weights, double? effectiveNumberBeta)
    {
        this.weights = weights;
        EffectiveNumberBeta = effectiveNumberBeta;
    }

    /// <summary>The given weights, or null for the effective-number form.</summary>
    public IReadOnlyList<double>? Weights => weights;

    /// <summary>B of the effective-number form, or null for given weights.</summary>
    public double? EffectiveNumberBeta { get; }

    /// <summary>Weights given one per class.</summary>
    /// <param name="weights">At least one weight, each ≥ 0 and finite in float32, not all 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">Empty, or a weight out of range.</exception>
    /// <exception cref="ArgumentException">Every weight is 0.</exception>
    public static ClassWeights Of(params double[] weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (weights.Length == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(weights), "needs at least one weight");
        }

        foreach (var weight in weights)
        {
            OptionChecks.NonNegative(weight, nameof(weights));
        }

        if (weights.All(w => w == 0))
        {
            throw new ArgumentException("at least one class weight must be > 0 (with all 0 the loss is 0 on every batch and nothing trains)", nameof(weights));
        }

        return new ClassWeights([.. weights], null);
    }

    /// <summary>Weights from the effective number of samples with hyper-parameter <paramref name="beta"/>.</summary>
    /// <param name="beta">B in [0, 1); 0 gives equal weights, B → 1 inverse class frequencies.</param>
    /// <exception cref="ArgumentOutOfRangeException">B outside [0, 1).</exception>
    public static ClassWeights EffectiveNumber(double beta) => new(null, OptionChecks.Fraction(beta, nameof(beta)));

    /// <summary>Reads <c>w1,w2,...</c> or <c>effective-number:B</c>.</summary>
    /// <exception cref="ArgumentException">Not a number, or out of range.</exception>
    public static ClassWeights Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.StartsWith(EffectiveNumberPrefix, StringComparison.Ordinal))
        {
            return EffectiveNumber(Number(trimmed[EffectiveNumberPrefix.Length..]));
        }

        return Of(trimmed.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(Number).ToArray());
    }

    /// <summary>The weight of each class.</summary>
    /// <param name="context">The number of classes and, for the effective-number form, the class counts.</param>
    /// <exception cref="ArgumentException">Given weights whose number is not the number of classes (parameter name <c>alpha</c>).</exception>
    /// <exception cref="InvalidOperationException">The effective-number form without class counts.</exception>
    public double[] Resolve(LossContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (weights is not null)
        {
            return weights.Length == context.NumClasses
                ? [.. weights]
                : throw new ArgumentException($"{weights.Length} weights for {context.NumClasses} classes", "alpha");
        }

        var b = EffectiveNumberBeta!.Value;
        var raw = context.RequireCounts(ToString()).Select(n => n == 0 ? 0 : (1 - b) / (1 - Math.Pow(b, n))).ToArray();
        var scale = raw.Length / raw.Sum();
        return raw.Select(w => w * scale).ToArray();
    }

    /// <summary>The text form, which <see cref="Parse"/> reads back.</summary>
    public override string ToString() =>
        weights is null
            ? EffectiveNumberPrefix + EffectiveNumberBeta!.Value.ToString("R", CultureInfo.InvariantCulture)
            : string.Join(',', weights.Select(w => w.ToString("R", CultureInfo.InvariantCulture)));

    /// <inheritdoc />
    public bool Equals(ClassWeights? other) => other is not null && ToString() == other.ToString();

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as ClassWeights);

    /// <inheritdoc />
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);

    private static double Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new ArgumentException($"'{text}' is not a number", nameof(text));
}
