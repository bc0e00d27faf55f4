namespace LossLab.Models;

/// <summary>Model names usable with <c>--model</c>, each mapped to a factory.</summary>
public static class ModelRegistry
{
    private static readonly Dictionary<string, Func<int, Backbone>> Factories = new(StringComparer.OrdinalIgnoreCase)
    {
        ["small-cnn"] = channels => new SmallCnn(channels),
    };

    /// <summary>Registered names, in display order.</summary>
    public static IReadOnlyList<string> Names => Factories.Keys.ToArray();

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
