namespace LossLab.Experiments;

/// <summary>One setting of a sweep step and how it scored, averaged over its seeds.</summary>
/// <param name="Setting">Key to value of every swept option.</param>
/// <param name="RunIds">Its runs, one per seed.</param>
/// <param name="Score">Mean of F1 and NMI after the last epoch on the selection split; −∞ when a seed diverged; null while pending.</param>
/// <param name="F1">Mean final macro-F1 of the completed seeds, or null.</param>
/// <param name="Nmi">Mean final NMI of the completed seeds, or null.</param>
public sealed record SweepCandidate(IReadOnlyDictionary<string, string> Setting, IReadOnlyList<string> RunIds, double? Score, double? F1, double? Nmi);
