using LossLab.Training;

namespace LossLab.Experiments;

/// <summary>One run of an experiment: a stable id (from the values that vary, e.g. <c>loss=margin_seed=2</c>) and its options.</summary>
/// <param name="Id">Run id, also the name of the run's folder under <c>runs/</c>.</param>
/// <param name="Options">Complete training options of the run.</param>
public sealed record RunSpec(string Id, TrainOptions Options)
{
    /// <summary>The varied values behind <see cref="Id"/>, key (an <see cref="OptionKeys"/> name) to value, in id order.</summary>
    public IReadOnlyDictionary<string, string> Values { get; init; } = new Dictionary<string, string>();
}
