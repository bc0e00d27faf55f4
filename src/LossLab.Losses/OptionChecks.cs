namespace LossLab.Losses;

/// <summary>
/// Range checks of the loss options' values, failing with <see cref="ArgumentOutOfRangeException"/> that names the
/// property. Every number must also be finite in float32, the precision the losses train in.
/// </summary>
internal static class OptionChecks
{
    /// <summary>A value &gt; 0.</summary>
    public static double Positive(double value, string name) => Check(value, value > 0, name, "> 0");

    /// <summary>A value ≥ 0.</summary>
    public static double NonNegative(double value, string name) => Check(value, value >= 0, name, "≥ 0");

    /// <summary>A value in [0, 1).</summary>
    public static double Fraction(double value, string name) => Check(value, value >= 0 && value < 1, name, "in [0, 1)");

    /// <summary>A defined member of <typeparamref name="T"/>.</summary>
    public static T Defined<T>(T value, string name)
        where T : struct, Enum =>
        Enum.IsDefined(value) ? value : throw new ArgumentOutOfRangeException(name, value, $"must be {string.Join(" or ", EnumNames.Names<T>())}");

    // NaN fails every comparison, and the bound rejects infinities.
    private static double Check(double value, bool inRange, string name, string requirement) =>
        inRange && Math.Abs(value) <= float.MaxValue
            ? value
            : throw new ArgumentOutOfRangeException(name, value, $"must be {requirement} and at most {float.MaxValue:R} (float32)");
}
