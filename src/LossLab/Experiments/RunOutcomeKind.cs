namespace LossLab.Experiments;

/// <summary>How one run of an experiment ended, in <see cref="RunOutcome"/>.</summary>
public enum RunOutcomeKind
{
    /// <summary>Trained from scratch to its last epoch.</summary>
    Trained,

    /// <summary>Resumed from its checkpoint and trained to its last epoch.</summary>
    Resumed,

    /// <summary>Not trained: settled before, or being trained by another process.</summary>
    Skipped,

    /// <summary>Training diverged; <c>failed.txt</c> in the run folder says where, and the run counts as settled.</summary>
    Failed,

    /// <summary>Stopped by cancellation after saving a checkpoint to resume from.</summary>
    Interrupted,
}
