using System.Text.Json;

namespace LossLab.Tests;

/// <summary>Values written by tests/Data/models_reference.py (PyTorch).</summary>
internal static class ModelReference
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "models_reference.json"))));

    public static int EmbeddingDim => Document.Value.RootElement.GetProperty("embedding_dim").GetInt32();

    public static int NumClasses => Document.Value.RootElement.GetProperty("num_classes").GetInt32();

    /// <summary>The entry of <paramref name="model"/> for (channels, size) input, e.g. c3_32.</summary>
    public static JsonElement Entry(string model, int channels, int size) =>
        Document.Value.RootElement.GetProperty("models").GetProperty(model).GetProperty($"c{channels}_{size}");
}
