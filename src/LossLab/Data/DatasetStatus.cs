namespace LossLab.Data;

/// <summary>What <c>losslab datasets</c> shows for one known dataset.</summary>
/// <param name="Name">Dataset name as used with <c>--dataset</c>.</param>
/// <param name="Location">Folder holding its files, or <see langword="null"/> when not found.</param>
/// <param name="Problem">Why it cannot be used (not found, with the places searched and how to get it; or a format error), or <see langword="null"/>.</param>
/// <param name="ClassNames">Class names (empty when unavailable).</param>
/// <param name="TrainCounts">Training images per class (empty when unavailable).</param>
/// <param name="TestCounts">Test images per class (empty when unavailable).</param>
public sealed record DatasetStatus(
    string Name,
    string? Location,
    string? Problem,
    IReadOnlyList<string> ClassNames,
    IReadOnlyList<long> TrainCounts,
    IReadOnlyList<long> TestCounts)
{
    /// <summary>Whether the dataset was found and its labels read without error.</summary>
    public bool IsAvailable => Location is not null && Problem is null;
}
