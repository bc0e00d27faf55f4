using LossLab.Training;

namespace LossLab.Experiments;

/// <summary>
/// Trains one run of an experiment outside the <see cref="ExperimentRunner"/>'s process, so that the runner can train
/// several at once (<see cref="ExperimentRunner.Jobs"/>). Runs cannot share a process: training seeds libtorch's
/// process-wide random generator, and the thread count a run's metrics depend on is a process setting. The
/// <c>losslab</c> command starts a child process per run that calls <see cref="ExperimentRunner.TrainHere"/>.
/// </summary>
public interface IRunLauncher
{
    /// <summary>
    /// Trains, resumes or skips the run <paramref name="spec"/> of the experiment in <paramref name="experimentDirectory"/>
    /// as <see cref="ExperimentRunner.TrainHere"/> does (taking the run folder's lock, resuming from its checkpoint,
    /// writing <c>failed.txt</c> when training diverges), and waits for it to end. Called from several threads at once.
    /// </summary>
    /// <param name="experimentDirectory">The experiment directory; the run's folder is <c>runs/&lt;id&gt;</c> in it.</param>
    /// <param name="spec">The run, with the thread count it trains on in its options.</param>
    /// <param name="observer">Receives the run's progress.</param>
    /// <param name="cancel">Asks the run to stop after its current batch and save a checkpoint (it then ends <see cref="RunOutcomeKind.Interrupted"/>).</param>
    /// <returns>How the run ended.</returns>
    /// <exception cref="Exception">The run could not train (bad input, a crash); the message names the run and says why.</exception>
    RunOutcome Train(string experimentDirectory, RunSpec spec, ITrainingObserver observer, CancellationToken cancel);
}
