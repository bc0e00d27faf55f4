namespace LossLab.Data;

/// <summary>Where datasets are looked for and whether missing ones may be fetched.</summary>
public sealed record DataOptions
{
    /// <summary>
    /// Folder searched first (<c>--data-dir</c>); default <see langword="null"/>, meaning only
    /// <c>$LOSSLAB_DATA</c> and the system locations are searched.
    /// </summary>
    public string? DataDir { get; init; }

    /// <summary>
    /// Fetch the official archives when a dataset is not found (<c>--download</c>); default
    /// <see langword="false"/>: nothing is ever downloaded unless asked.
    /// </summary>
    public bool Download { get; init; }
}
