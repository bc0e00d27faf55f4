namespace LossLab.Experiments;

/// <summary>One experiment of a reproduction (E4 has two: CIFAR-100 for Table 1, Fashion-MNIST for Fig. 9).</summary>
/// <param name="Folder">Sub-folder of the reproduction's directory, or empty for the directory itself.</param>
/// <param name="Plan">The experiment.</param>
public sealed record ReproductionPart(string Folder, ExperimentPlan Plan);
