using System.Text.Json;

namespace LossLab.Tests.Metrics;

/// <summary>Reads tests/Data/metrics_reference.json, written by metrics_reference.py (scikit-learn, NumPy).</summary>
internal static class MetricsReference
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "metrics_reference.json"))));

    public static JsonElement Root => Document.Value.RootElement;

    public static IEnumerable<JsonElement> ClassificationCases => Root.GetProperty("classification").EnumerateArray();

    public static JsonElement ClassificationCase(string name) =>
        ClassificationCases.Single(c => c.GetProperty("name").GetString() == name);

    public static long[] Longs(JsonElement element) => [.. element.EnumerateArray().Select(e => e.GetInt64())];

    public static float[] Floats(JsonElement element) => [.. element.EnumerateArray().Select(e => e.GetSingle())];
}
