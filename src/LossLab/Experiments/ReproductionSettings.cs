using LossLab.Training;

namespace LossLab.Experiments;

/// <summary>What the user may change about a reproduction; null keeps the preset's value.</summary>
public sealed record ReproductionSettings
{
    /// <summary>Dataset replacing the preset's in every part (the user's own data, e.g. <c>folder:PATH</c>).</summary>
    public string? Dataset { get; init; }

    /// <summary>Data folder (<c>--data-dir</c>).</summary>
    public string? DataDir { get; init; }

    /// <summary>Whether missing official archives may be downloaded.</summary>
    public bool Download { get; init; }

    /// <summary>libtorch threads; the quick and medium presets use 2 (split between the runs trained at once).</summary>
    public int? Threads { get; init; }

    /// <summary>Where the runs train; null keeps auto.</summary>
    public DeviceKind? Device { get; init; }

    /// <summary>Epochs of every run.</summary>
    public int? Epochs { get; init; }

    /// <summary>Training images per run (class-balanced).</summary>
    public int? TrainLimit { get; init; }

    /// <summary>Test images per run (class-balanced).</summary>
    public int? TestLimit { get; init; }

    /// <summary>Seeds per setting (comparisons: 3 by default; the search: 1).</summary>
    public int? Seeds { get; init; }

    /// <summary>E1's selection split: <c>val</c> (default) or <c>test</c> (as the paper).</summary>
    public string? SelectOn { get; init; }

    /// <summary>First seed.</summary>
    public int? Seed { get; init; }
}
