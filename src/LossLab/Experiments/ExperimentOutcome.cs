namespace LossLab.Experiments;

/// <summary>What running (a shard of) an experiment achieved.</summary>
/// <param name="Plan">The plan as saved in the experiment directory.</param>
/// <param name="Progress">The runs trained, resumed, skipped and failed by this process.</param>
/// <param name="Sweep">For a sweep, how far it got; else null.</param>
/// <param name="Complete">Whether every run of the experiment is settled (so a report shows it whole).</param>
/// <param name="TimedOut">Whether a shard stopped waiting for the runs of other shards.</param>
public sealed record ExperimentOutcome(ExperimentPlan Plan, ExperimentProgress Progress, SweepState? Sweep, bool Complete, bool TimedOut);
