namespace LossLab.Experiments;

/// <summary>One step of a sweep: settings tried together, and the best of them once all are settled.</summary>
/// <param name="Title">What the step tries, e.g. <c>beta ∈ {2, 3, 4} (gamma=3)</c>.</param>
/// <param name="Key">The option varied in this step, or null for a grid step (all of them).</param>
/// <param name="Candidates">The settings tried, with their scores.</param>
/// <param name="Chosen">
/// The best setting so far once the step is settled: of the step itself for a grid or a list of values, and of every
/// value of the option tried so far (listed, range ends, midpoints) for a refinement step; null while a run is pending.
/// </param>
public sealed record SweepStep(string Title, string? Key, IReadOnlyList<SweepCandidate> Candidates, IReadOnlyDictionary<string, string>? Chosen);
