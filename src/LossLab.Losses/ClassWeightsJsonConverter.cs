using System.Text.Json;
using System.Text.Json.Serialization;

namespace LossLab.Losses;

/// <summary>Writes <see cref="ClassWeights"/> as its text form; reads that text.</summary>
internal sealed class ClassWeightsJsonConverter : JsonConverter<ClassWeights>
{
    /// <inheritdoc />
    public override ClassWeights Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String
            ? ClassWeights.Parse(reader.GetString()!)
            : throw new JsonException("class weights must be a string such as \"1,2,0.5\" or \"effective-number:0.999\"");

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, ClassWeights value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
