namespace LossLab.Models;

/// <summary>Model names usable with <c>--model</c>, each mapped to a factory.</summary>
public static class ModelRegistry
{
    private static readonly (string Name, string Description, Func<int, Backbone> Factory)[] Entries =
    [
        ("small-cnn", "3 conv-BN-ReLU stages (32/64/128) with max-pooling, 2x2 average pooling; 512 features, fast on CPU", channels => new SmallCnn(channels)),
        ("resnet18", "ResNet-18, CIFAR stem (3x3 conv, no max-pool), basic blocks [2,2,2,2]; 512 features", ResNet.ResNet18),
        ("resnet50", "ResNet-50, CIFAR stem (3x3 conv, no max-pool), bottleneck blocks [3,4,6,3]; 2048 features", ResNet.ResNet50),
        ("googlenet", "GoogLeNet (Inception v1) with batch norm adapted to 32x32 (3x3 stem, 9 inception blocks); 1024 features", channels => new GoogLeNet(channels)),
    ];

    private static readonly Dictionary<string, Func<int, Backbone>> Factories =
        Entries.ToDictionary(e => e.Name, e => e.Factory, StringComparer.OrdinalIgnoreCase);

    /// <summary>Registered names, in display order.</summary>
    public static IReadOnlyList<string> Names { get; } = Array.AsReadOnly(Entries.Select(e => e.Name).ToArray());

    /// <summary>Every registered architecture with a one-line description, in display order.</summary>
    public static IReadOnlyList<ModelDescription> Describe() =>
        Entries.Select(e => new ModelDescription(e.Name, e.Description)).ToArray();

    /// <summary>Builds a model.</summary>
    /// <param name="name">Architecture name.</param>
    /// <param name="inputChannels">1 or 3.</param>
    /// <param name="numClasses">Classes of the classifier head (0 for none).</param>
    /// <param name="embeddingDim">Embedding width (default 128).</param>
    public static LabModel Create(string name, int inputChannels, int numClasses, int embeddingDim = 128)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!Factories.TryGetValue(name, out var factory))
        {
            throw new ArgumentException($"unknown model '{name}'; valid: {string.Join(", ", Names)}", nameof(name));
        }

        if (inputChannels is not (1 or 3))
        {
            throw new ArgumentOutOfRangeException(nameof(inputChannels), inputChannels, "input channels must be 1 or 3");
        }

        return new LabModel(name.ToLowerInvariant(), factory(inputChannels), embeddingDim, numClasses);
    }
}
