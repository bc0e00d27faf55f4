using LossLab.Runs;

namespace LossLab.Experiments;

/// <summary>How one run of an experiment ended: what <see cref="ExperimentRunner.TrainHere"/> and an <see cref="IRunLauncher"/> return.</summary>
/// <param name="Kind">Trained, resumed, skipped, failed or interrupted.</param>
/// <param name="Summary">The run's summary when it trained (completed or interrupted); else null.</param>
/// <param name="Message">Why it was skipped or failed; else null.</param>
public sealed record RunOutcome(RunOutcomeKind Kind, RunSummary? Summary = null, string? Message = null);
