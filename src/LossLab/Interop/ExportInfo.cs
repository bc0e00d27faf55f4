namespace LossLab.Interop;

/// <summary>
/// The JSON written beside an exported state_dict (<c>model.pt</c> → <c>model.json</c>): what a PyTorch user needs
/// to rebuild the model with <c>python/losslab_models.py</c>, prepare its input and read its output.
/// </summary>
public sealed record ExportInfo
{
    /// <summary>Identifies the file: <c>losslab-pytorch-export</c>.</summary>
    public string Format { get; init; } = "losslab-pytorch-export";

    /// <summary>Version of this layout; grows when a field changes meaning.</summary>
    public int FormatVersion { get; init; } = 1;

    /// <summary>Architecture name, a key of <c>losslab_models.ARCHITECTURES</c> (e.g. <c>resnet18</c>).</summary>
    public required string Architecture { get; init; }

    /// <summary>The Python class to build: <c>losslab_models.LabModel</c>.</summary>
    public string PythonClass { get; init; } = "losslab_models.LabModel";

    /// <summary>Image channels (1 or 3).</summary>
    public int InChannels { get; init; }

    /// <summary>Image height the model was trained on.</summary>
    public int InputHeight { get; init; }

    /// <summary>Image width the model was trained on.</summary>
    public int InputWidth { get; init; }

    /// <summary>Embedding width.</summary>
    public int EmbeddingDim { get; init; }

    /// <summary>Number of classes of the training data.</summary>
    public int NumClasses { get; init; }

    /// <summary>Whether the model has the linear classifier head (losses on logits); metric losses train without one.</summary>
    public bool Classifier { get; init; }

    /// <summary>Class names, in label order.</summary>
    public IReadOnlyList<string> ClassNames { get; init; } = [];

    /// <summary>Per-channel mean on the [0, 1] scale.</summary>
    public IReadOnlyList<float> NormalizationMean { get; init; } = [];

    /// <summary>Per-channel standard deviation on the [0, 1] scale.</summary>
    public IReadOnlyList<float> NormalizationStd { get; init; } = [];

    /// <summary>How images become model input, in words.</summary>
    public string Preprocessing { get; init; } = "float32 NCHW, x = (pixel / 255 - normalization_mean[c]) / normalization_std[c]";

    /// <summary>What the Python model returns, in words.</summary>
    public string Outputs { get; init; } = "LabModel(x) returns (embedding (N, embedding_dim), logits (N, num_classes) or None without classifier)";

    /// <summary>The loss the model was trained with.</summary>
    public required string Loss { get; init; }

    /// <summary>The loss's settings in force (defaults filled in).</summary>
    public IReadOnlyDictionary<string, object> LossParameters { get; init; } = new Dictionary<string, object>();

    /// <summary>Names of the loss's learnable tensors in the state_dict (<c>loss.proxies</c>, <c>loss.beta</c>), if any.</summary>
    public IReadOnlyList<string> LossEntries { get; init; } = [];

    /// <summary>Scale of the logits in the softmax: the improved loss's β, else 1; null without classifier.</summary>
    public double? SoftmaxScale { get; init; }

    /// <summary>How to get class probabilities, e.g. <c>softmax(4 * logits)</c>; null without classifier.</summary>
    public string? Probabilities { get; init; }

    /// <summary>How LossLab predicts a class with this model.</summary>
    public required string Prediction { get; init; }

    /// <summary>Run directory the weights came from.</summary>
    public required string Run { get; init; }

    /// <summary>Checkpoint file the weights came from.</summary>
    public required string Checkpoint { get; init; }

    /// <summary>Epochs trained when the checkpoint was written.</summary>
    public int EpochsTrained { get; init; }

    /// <summary>SHA-256 of the exported state_dict file, lower-case hex.</summary>
    public required string StateDictSha256 { get; init; }

    /// <summary>Versions of LossLab, TorchSharp, .NET and the OS that wrote the export.</summary>
    public IReadOnlyDictionary<string, string> Versions { get; init; } = new Dictionary<string, string>();
}
