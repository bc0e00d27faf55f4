namespace LossLab.Experiments;

/// <summary>How far a sweep has got, from <see cref="Sweep.Replay"/>.</summary>
/// <param name="Steps">The steps walked so far; the last is the current one when the sweep is not finished.</param>
/// <param name="Known">Every run the walk has met, in order of first appearance (for <c>plan.json</c>).</param>
/// <param name="StepRuns">All runs of the current step (complete or not), in a fixed order: what shards divide.</param>
/// <param name="Pending">The runs of the current step that are not settled yet.</param>
/// <param name="Best">The chosen setting, key to value, once every search step is settled; else null.</param>
/// <param name="BestScore">Its selection score (mean of F1 and NMI on the selection split).</param>
/// <param name="FinalRuns">With validation selection, the runs of the chosen setting evaluated on the test split.</param>
/// <param name="Finished">Whether every run the sweep needs is settled.</param>
public sealed record SweepState(
    IReadOnlyList<SweepStep> Steps,
    IReadOnlyList<RunSpec> Known,
    IReadOnlyList<RunSpec> StepRuns,
    IReadOnlyList<RunSpec> Pending,
    IReadOnlyDictionary<string, string>? Best,
    double? BestScore,
    IReadOnlyList<RunSpec> FinalRuns,
    bool Finished);
