using LossLab.Evaluation;
namespace LossLab.Runs;

/// <summary>Content of <c>summary.json</c>.</summary>
public sealed record RunSummary
{
    /// <summary>Whether every requested epoch finished.</summary>
    public bool Completed { get; init; }

    /// <summary>Epochs finished.</summary>
    public int Epochs { get; init; }

    /// <summary>Metrics after the last finished epoch.</summary>
    public EpochMetrics? Final { get; init; }

    /// <summary>The epoch with the highest test macro-F1.</summary>
    public EpochMetrics? Best { get; init; }

    /// <summary>Total wall time in seconds, including evaluation.</summary>
    public double WallSeconds { get; init; }

    /// <summary>Dataset, model and loss, for tables.</summary>
    public string Dataset { get; init; } = "";

    /// <summary>Model name.</summary>
    public string Model { get; init; } = "";

    /// <summary>Loss name.</summary>
    public string Loss { get; init; } = "";

    /// <summary>Seed of the run.</summary>
    public int Seed { get; init; }
}
