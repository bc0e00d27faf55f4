namespace LossLab.Interop;

/// <summary>
/// What a run took from a PyTorch state_dict file (<c>--init-from</c>), recorded in its <c>config.json</c>: the
/// file's path and SHA-256 (so the run can be repeated with the same weights), what was loaded, what was skipped
/// and why, and which of the run's tensors kept their initial values.
/// </summary>
public sealed record InitFromRecord
{
    /// <summary>Absolute path of the file.</summary>
    public required string Path { get; init; }

    /// <summary>SHA-256 of the file, lower-case hex.</summary>
    public required string Sha256 { get; init; }

    /// <summary>Size of the file in bytes.</summary>
    public long Bytes { get; init; }

    /// <summary>Whether every tensor had to match (<c>--init-from-strict</c>).</summary>
    public bool Strict { get; init; }

    /// <summary>Names of the tensors loaded (model tensors as in the state_dict; loss state as <c>loss.NAME</c>).</summary>
    public IReadOnlyList<string> Loaded { get; init; } = [];

    /// <summary>Tensors of the file that were not loaded, with the reason.</summary>
    public IReadOnlyList<SkippedTensor> Skipped { get; init; } = [];

    /// <summary>Tensors of the model and loss that the file does not hold; they keep the seed's initial values.</summary>
    public IReadOnlyList<string> NotInFile { get; init; } = [];
}
