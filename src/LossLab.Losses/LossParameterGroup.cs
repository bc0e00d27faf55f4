using TorchSharp.Modules;

namespace LossLab.Losses;

/// <summary>
/// Learnable parameters of a loss (margin betas, proxies) that train with their own learning rate.
/// </summary>
/// <param name="Name">Name for logs and checkpoints.</param>
/// <param name="Parameters">The parameters.</param>
/// <param name="LearningRate">Absolute learning rate, or null to use <paramref name="LrMultiplier"/> × model lr.</param>
/// <param name="LrMultiplier">Multiplier of the model's learning rate when <paramref name="LearningRate"/> is null.</param>
public sealed record LossParameterGroup(string Name, IReadOnlyList<Parameter> Parameters, double? LearningRate, double LrMultiplier = 1.0)
{
    /// <summary>The learning rate this group uses when the model trains with <paramref name="modelLr"/>.</summary>
    public double ResolveLearningRate(double modelLr) => LearningRate ?? (modelLr * LrMultiplier);
}
