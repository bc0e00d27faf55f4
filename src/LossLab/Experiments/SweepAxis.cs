namespace LossLab.Experiments;

/// <summary>One option a sweep varies: its listed values and, for refinement, a numeric range.</summary>
/// <param name="Key">An <see cref="OptionKeys"/> name, e.g. <c>beta</c>.</param>
/// <param name="Values">Canonical values tried first, at least one.</param>
/// <param name="Low">Lower end of the refinement range, or null for no refinement.</param>
/// <param name="High">Upper end of the refinement range.</param>
public sealed record SweepAxis(string Key, IReadOnlyList<string> Values, double? Low = null, double? High = null)
{
    /// <summary>Whether the axis is refined by bisection inside [<see cref="Low"/>, <see cref="High"/>].</summary>
    public bool HasRange => Low is not null && High is not null;
}
