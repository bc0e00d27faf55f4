using LossLab.Interop;
using LossLab.Training;
namespace LossLab.Runs;

/// <summary>Content of <c>config.json</c>: the options plus what is needed to rerun and compare the run.</summary>
public sealed record RunConfig
{
    /// <summary>The training options as given (after presets), the loss's with every value in force (defaults included).</summary>
    public TrainOptions Options { get; init; } = new();

    /// <summary>Where the data came from.</summary>
    public string DataSource { get; init; } = "";

    /// <summary>Training images used (after limit and imbalance).</summary>
    public int TrainImages { get; init; }

    /// <summary>Training images per class, indexed by class (after limit and imbalance); null in files written before it was recorded.</summary>
    public IReadOnlyList<long>? TrainClassCounts { get; init; }

    /// <summary>Test images used.</summary>
    public int TestImages { get; init; }

    /// <summary>Number of classes.</summary>
    public int NumClasses { get; init; }

    /// <summary>Trainable parameters of the model.</summary>
    public long ModelParameters { get; init; }

    /// <summary>Device the run trained on.</summary>
    public string DeviceUsed { get; init; } = "cpu";

    /// <summary>libtorch threads.</summary>
    public int ThreadsUsed { get; init; }

    /// <summary>Versions of LossLab, TorchSharp, .NET and the OS.</summary>
    public IReadOnlyDictionary<string, string> Versions { get; init; } = new Dictionary<string, string>();

    /// <summary>What the run loaded from <see cref="TrainOptions.InitFrom"/> (file, SHA-256, loaded and skipped tensors), or null.</summary>
    public InitFromRecord? InitFrom { get; init; }

    /// <summary>The command line that started the run, when known.</summary>
    public string? CommandLine { get; init; }

    /// <summary>
    /// A random token drawn when the run starts and stored in each of its checkpoints, so that a checkpoint of
    /// another run (copied in, or left by a replaced run) is never continued or evaluated as this one's. Null in
    /// runs written by LossLab versions before it existed.
    /// </summary>
    public string? RunToken { get; init; }
}
