using LossLab.Evaluation;
using LossLab.Experiments;

namespace LossLab.Cli.Jobs;

/// <summary>
/// One line of a child run's standard output (JSON): its progress (<see cref="Training.ITrainingObserver"/>'s calls)
/// and, last, how it ended. Fields not used by <see cref="Kind"/> are null.
/// </summary>
public sealed record RunEvent
{
    /// <summary><c>epoch-started</c>, <c>batch</c>, <c>epoch-finished</c>, <c>info</c> or <c>outcome</c>.</summary>
    public string Kind { get; init; } = "";

    /// <summary>1-based epoch.</summary>
    public int? Epoch { get; init; }

    /// <summary>Epochs of the run.</summary>
    public int? Epochs { get; init; }

    /// <summary>1-based batch within the epoch.</summary>
    public int? Batch { get; init; }

    /// <summary>Batches in the epoch.</summary>
    public int? Batches { get; init; }

    /// <summary>Running mean of the epoch's loss.</summary>
    public double? Loss { get; init; }

    /// <summary>Training throughput so far in the epoch.</summary>
    public double? ImagesPerSecond { get; init; }

    /// <summary>The finished epoch's metrics.</summary>
    public EpochMetrics? Metrics { get; init; }

    /// <summary>A line of information.</summary>
    public string? Message { get; init; }

    /// <summary>How the run ended.</summary>
    public RunOutcome? Outcome { get; init; }
}
