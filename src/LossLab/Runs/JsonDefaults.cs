using System.Text.Json;
using System.Text.Json.Serialization;

namespace LossLab.Runs;

/// <summary>The JSON settings of every file LossLab writes: snake_case keys, nulls omitted, indented where humans read it.</summary>
public static class JsonDefaults
{
    /// <summary>Indented, for config.json and summary.json.</summary>
    public static JsonSerializerOptions Indented { get; } = Create(true);

    /// <summary>One line per value, for metrics.jsonl.</summary>
    public static JsonSerializerOptions Compact { get; } = Create(false);

    private static JsonSerializerOptions Create(bool indented) => new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = indented,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };
}
