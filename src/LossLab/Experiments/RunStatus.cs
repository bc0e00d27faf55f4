using LossLab.Runs;

namespace LossLab.Experiments;

/// <summary>The state of one run and, once completed, its summary.</summary>
/// <param name="State">Where the run stands.</param>
/// <param name="Summary">The run's <c>summary.json</c> when it is completed, else null.</param>
public sealed record RunStatus(RunState State, RunSummary? Summary)
{
    /// <summary>A run that has not started.</summary>
    public static RunStatus New { get; } = new(RunState.New, null);

    /// <summary>Whether the run needs no more work (completed, or failed for good).</summary>
    public bool IsSettled => State is RunState.Completed or RunState.Failed;
}
