namespace LossLab.Training;

/// <summary>How far the batches of one epoch have got: what <see cref="TrainingSession.Train"/> continues from and returns.</summary>
/// <param name="BatchesDone">Batches of the epoch trained or skipped.</param>
/// <param name="LossSum">Sum of the losses of the trained batches.</param>
/// <param name="Skipped">Batches skipped for a non-finite loss or gradient.</param>
/// <param name="Images">Images trained on since the start of this call (not persisted across a resume).</param>
/// <param name="Seconds">Training seconds of the epoch so far.</param>
internal sealed record EpochProgress(int BatchesDone, double LossSum, int Skipped, long Images, double Seconds);
