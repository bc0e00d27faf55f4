using System.Globalization;

namespace LossLab.Experiments;

/// <summary>
/// The i-th of n slices of an experiment's runs (<c>--shard i/n</c>, 1-based): the runs whose index in the plan
/// is i−1 modulo n. The n slices are disjoint and together hold every run, so n machines (e.g. a Slurm array)
/// can share one experiment.
/// </summary>
/// <param name="Index">1-based slice number, 1 ≤ Index ≤ Count.</param>
/// <param name="Count">Number of slices, ≥ 1.</param>
public readonly record struct Shard(int Index, int Count)
{
    /// <summary>The whole experiment (1/1).</summary>
    public static Shard All { get; } = new(1, 1);

    /// <summary>Whether this is more than one slice of the experiment.</summary>
    public bool IsPartial => Count > 1;

    /// <summary>Parses <c>i/n</c>.</summary>
    /// <exception cref="ArgumentException">Not of the form i/n with 1 ≤ i ≤ n.</exception>
    public static Shard Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var count)
            || count < 1 || index < 1 || index > count)
        {
            throw new ArgumentException($"--shard: '{text}' is not valid; expected i/n with 1 ≤ i ≤ n, e.g. 2/4", "--shard");
        }

        return new Shard(index, count);
    }

    /// <summary>Whether the run at 0-based <paramref name="position"/> of a plan belongs to this slice.</summary>
    public bool Contains(int position) => position % Count == Index - 1;

    /// <summary>This slice of <paramref name="items"/>, in order.</summary>
    public IReadOnlyList<T> Select<T>(IReadOnlyList<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        var shard = this;
        return items.Where((_, i) => shard.Contains(i)).ToArray();
    }

    /// <inheritdoc />
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Index}/{Count}");
}
