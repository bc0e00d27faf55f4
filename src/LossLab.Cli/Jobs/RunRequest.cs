using LossLab.Experiments;

namespace LossLab.Cli.Jobs;

/// <summary>What a <c>losslab</c> process sends a child it starts for one run (<see cref="Commands.JobCommand"/>), as the first line of the child's standard input.</summary>
/// <param name="Spec">The run, with the thread count it trains on.</param>
/// <param name="TensorBoard">Whether the run writes TensorBoard event files.</param>
/// <param name="CommandLine">The command line the user typed, recorded in the run's <c>config.json</c>.</param>
public sealed record RunRequest(RunSpec Spec, bool TensorBoard, string? CommandLine);
