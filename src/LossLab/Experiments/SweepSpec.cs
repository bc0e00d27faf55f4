namespace LossLab.Experiments;

/// <summary>What a sweep varies, how it searches and how it selects.</summary>
public sealed record SweepSpec
{
    /// <summary>Grid (every combination) or coordinate search (the paper's). Default grid.</summary>
    public SweepMode Mode { get; init; } = SweepMode.Grid;

    /// <summary>The varied options, in search order.</summary>
    public IReadOnlyList<SweepAxis> Axes { get; init; } = [];

    /// <summary>Seeds per setting (the base seed and the next ones); the score is their mean. Default 1.</summary>
    public int Seeds { get; init; } = 1;

    /// <summary>
    /// <c>val</c> (default): score settings on a validation split held out of the training set, then train the
    /// chosen one again and evaluate it on the test split; <c>test</c>: score on the test split, as the paper did.
    /// </summary>
    public string SelectOn { get; init; } = "val";

    /// <summary>Share of the training set held out for validation when <see cref="SelectOn"/> is <c>val</c>. Default 0.1.</summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>Bisection rounds per axis with a range (each tries the midpoints between the best value and its neighbours). Default 2.</summary>
    public int RefineRounds { get; init; } = 2;

    /// <summary>Checks the spec against the option keys; throws <see cref="ArgumentException"/> naming the flag.</summary>
    public void Validate()
    {
        if (Axes.Count == 0)
        {
            throw new ArgumentException("a sweep needs at least one --grid or --search option", "--grid");
        }

        var duplicate = Axes.GroupBy(a => a.Key, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"--grid/--search: '{duplicate.Key}' is given twice", "--grid");
        }

        foreach (var axis in Axes)
        {
            if (axis.Key == "seed")
            {
                throw new ArgumentException("--grid: vary seeds with --seeds, not as an axis", "--grid");
            }

            if (axis.Values.Count == 0)
            {
                throw new ArgumentException($"--grid: '{axis.Key}' has no values", "--grid");
            }

            if ((axis.Low is null) != (axis.High is null) || axis.Low > axis.High)
            {
                throw new ArgumentException($"--refine: the range of '{axis.Key}' must be LOW:HIGH with LOW ≤ HIGH", "--refine");
            }

            if (axis.HasRange && (Mode != SweepMode.Coordinate || !OptionKeys.IsNumeric(axis.Key)))
            {
                throw new ArgumentException($"--refine: '{axis.Key}' can be refined only with --mode search, and only if its values are numbers", "--refine");
            }
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(Seeds, 1, "--seeds");
        ArgumentOutOfRangeException.ThrowIfNegative(RefineRounds, "--refine-rounds");
        if (SelectOn is not ("val" or "test"))
        {
            throw new ArgumentException($"--select-on: '{SelectOn}' is not valid; valid: val, test", "--select-on");
        }

        if (SelectOn == "val" && !(ValidationFraction > 0 && ValidationFraction < 0.5))
        {
            throw new ArgumentOutOfRangeException("--val-fraction", ValidationFraction, "must be in (0, 0.5)");
        }
    }
}
