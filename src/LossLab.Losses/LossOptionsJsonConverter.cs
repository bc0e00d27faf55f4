using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace LossLab.Losses;

/// <summary>
/// Writes a loss's options as one object, <c>{"loss": NAME, OPTION: VALUE, ...}</c>, with every option the record
/// holds; reads it back into the record that <see cref="LossRegistry"/> registers for NAME.
/// </summary>
internal sealed class LossOptionsJsonConverter : JsonConverter<LossOptions>
{
    /// <summary>The member naming the loss.</summary>
    public const string NameMember = "loss";

    /// <inheritdoc />
    public override bool CanConvert(Type typeToConvert) => typeToConvert == typeof(LossOptions);

    /// <inheritdoc />
    public override LossOptions Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (JsonNode.Parse(ref reader) is not JsonObject node)
        {
            throw new JsonException("loss options must be an object");
        }

        if (!node.TryGetPropertyValue(NameMember, out var nameNode) || nameNode is not JsonValue nameValue || !nameValue.TryGetValue(out string? name))
        {
            throw new JsonException($"loss options must name their loss in \"{NameMember}\" (files written by LossLab before per-loss options cannot be read)");
        }

        var definition = LossRegistry.All.FirstOrDefault(d => d.Name == name)
            ?? throw new JsonException($"unknown loss '{name}'; valid: {string.Join(", ", LossRegistry.Names)}");
        node.Remove(NameMember);
        return (LossOptions)(node.Deserialize(definition.OptionsType, options) ?? throw new JsonException("loss options must be an object"));
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, LossOptions value, JsonSerializerOptions options)
    {
        var definition = LossRegistry.Of(value);
        var members = JsonSerializer.SerializeToNode(value, definition.OptionsType, options)!.AsObject();
        writer.WriteStartObject();
        writer.WriteString(NameMember, definition.Name);
        foreach (var (key, member) in members)
        {
            writer.WritePropertyName(key);
            if (member is null)
            {
                writer.WriteNullValue();
            }
            else
            {
                member.WriteTo(writer, options);
            }
        }

        writer.WriteEndObject();
    }
}
