namespace LossLab.Interop;

/// <summary>A tensor of a state_dict file that was not loaded, and why.</summary>
/// <param name="Name">Its name in the file.</param>
/// <param name="Reason">Why it was skipped, e.g. the two shapes.</param>
public sealed record SkippedTensor(string Name, string Reason);
