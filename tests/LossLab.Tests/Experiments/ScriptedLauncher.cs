using LossLab.Experiments;
using LossLab.Training;

namespace LossLab.Tests.Experiments;

/// <summary>A launcher that trains nothing: it records each launch, how many were in flight at once, and answers as <see cref="Answer"/> says.</summary>
internal sealed class ScriptedLauncher : IRunLauncher
{
    private readonly object gate = new();
    private int inFlight;

    /// <summary>What a launch does: by default, reports the run trained.</summary>
    public Func<RunSpec, CancellationToken, RunOutcome> Answer { get; init; } = (_, _) => new RunOutcome(RunOutcomeKind.Trained);

    /// <summary>The runs launched, in the order their launches began.</summary>
    public List<RunSpec> Launched { get; } = [];

    /// <summary>The most launches in flight at once.</summary>
    public int MostAtOnce { get; private set; }

    public RunOutcome Train(string experimentDirectory, RunSpec spec, ITrainingObserver observer, CancellationToken cancel)
    {
        lock (gate)
        {
            Launched.Add(spec);
            MostAtOnce = Math.Max(MostAtOnce, ++inFlight);
        }

        try
        {
            return Answer(spec, cancel);
        }
        finally
        {
            lock (gate)
            {
                inFlight--;
            }
        }
    }
}
