namespace LossLab.Experiments;

/// <summary>What one call of <see cref="ExperimentRunner.Run"/> did.</summary>
/// <param name="Trained">Runs trained from scratch to completion.</param>
/// <param name="Resumed">Runs resumed from a checkpoint and completed.</param>
/// <param name="Skipped">Runs already completed (or failed) before.</param>
/// <param name="Failed">Runs whose training diverged.</param>
/// <param name="Interrupted">Whether cancellation stopped the work (the current run saved a checkpoint).</param>
/// <param name="Seconds">Wall time of the call.</param>
public sealed record ExperimentProgress(
    IReadOnlyList<string> Trained,
    IReadOnlyList<string> Resumed,
    IReadOnlyList<string> Skipped,
    IReadOnlyList<string> Failed,
    bool Interrupted,
    double Seconds);
