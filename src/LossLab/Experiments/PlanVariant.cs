using LossLab.Losses;

namespace LossLab.Experiments;

/// <summary>
/// One arm of a comparison of variants (<see cref="ExperimentPlan.CompareVariants"/>): a loss with its options under a
/// name, for runs whose loss alone does not tell them apart (the improved loss at several beta and gamma, or the
/// cross-entropy with and without class weights).
/// </summary>
/// <param name="Name">Short name, safe in a folder name (letters, digits, '-'); the runs' ids carry it as <c>variant=NAME</c>.</param>
/// <param name="Label">What tables and legends print, e.g. <c>scale only (β 4, γ 0)</c>.</param>
/// <param name="LossOptions">The loss and its options.</param>
public sealed record PlanVariant(string Name, string Label, LossOptions LossOptions);
