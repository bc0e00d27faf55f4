using System.Text.Json;
using System.Text.Json.Serialization;

namespace LossLab.Losses;

/// <summary>Writes and reads <typeparamref name="TEnum"/> in JSON by its <see cref="EnumNames"/> name (<c>semi-hard</c>), never as a number.</summary>
/// <typeparam name="TEnum">The enum.</typeparam>
public sealed class KebabCaseEnumJsonConverter<TEnum>() : JsonStringEnumConverter<TEnum>(JsonNamingPolicy.KebabCaseLower, allowIntegerValues: false)
    where TEnum : struct, Enum;
