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

    /// <summary>The command line that started the run, when known.</summary>
    public string? CommandLine { get; init; }
}
