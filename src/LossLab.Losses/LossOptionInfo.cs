using System.Globalization;
using System.Reflection;

namespace LossLab.Losses;

/// <summary>
/// One option of a loss, read from its options record (a property marked with <see cref="LossOptionAttribute"/>):
/// its key, description, type and default, and how to set it from text, as the command line and sweeps do.
/// Values are double, bool, an enum (named by <see cref="EnumNames"/>) or <see cref="Losses.ClassWeights"/>.
/// </summary>
public sealed class LossOptionInfo
{
    private readonly PropertyInfo property;

    internal LossOptionInfo(PropertyInfo property, LossOptionAttribute attribute, LossOptions defaults)
    {
        this.property = property;
        Key = attribute.Key;
        Description = attribute.Description;
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        if (type != typeof(double) && type != typeof(bool) && !type.IsEnum && type != typeof(ClassWeights))
        {
            throw new InvalidOperationException($"loss option {Key} ({property.DeclaringType?.Name}.{property.Name}) has unsupported type {type.Name}");
        }

        ValueType = type;
        Default = Format(defaults);
    }

    /// <summary>The option's name (the command line's <c>--KEY</c>).</summary>
    public string Key { get; }

    /// <summary>What the option is and its valid range.</summary>
    public string Description { get; }

    /// <summary>The name of the record's property.</summary>
    public string PropertyName => property.Name;

    /// <summary>The value's type: double, bool, an enum or <see cref="Losses.ClassWeights"/>.</summary>
    public Type ValueType { get; }

    /// <summary>Whether values are numbers.</summary>
    public bool IsNumeric => ValueType == typeof(double);

    /// <summary>Whether the option is a switch (a bool; given on the command line without a value).</summary>
    public bool IsSwitch => ValueType == typeof(bool);

    /// <summary>The valid values of an enum option (e.g. <c>semi-hard</c>, <c>batch-hard</c>), empty otherwise.</summary>
    public IReadOnlyList<string> Choices =>
        ValueType.IsEnum ? Enum.GetValues(ValueType).Cast<Enum>().Select(EnumNames.Format).ToArray() : [];

    /// <summary>The default as text, or null when the default is no value (e.g. no class weights).</summary>
    public string? Default { get; }

    /// <summary>The value in <paramref name="options"/> as text (the form <see cref="With"/> reads), or null when unset.</summary>
    public string? Format(LossOptions options) => property.GetValue(options) switch
    {
        null => null,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        Enum e => EnumNames.Format(e),
        var other => other.ToString(),
    };

    /// <summary>The value in <paramref name="options"/>: double, bool, enum, <see cref="Losses.ClassWeights"/> or null.</summary>
    public object? Read(LossOptions options) => property.GetValue(options);

    /// <summary>A copy of <paramref name="options"/> with this option set from text.</summary>
    /// <param name="options">Options of the loss that has this option.</param>
    /// <param name="text">A number, <c>true</c>/<c>false</c>, an enum name or class weights.</param>
    /// <exception cref="ArgumentException">The text is not a value of the option's type, or is out of range; the parameter name is <see cref="Key"/>.</exception>
    public LossOptions With(LossOptions options, string text)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(text);
        var value = Parse(text.Trim());
        var copy = (LossOptions)options.GetType().GetMethod("<Clone>$")!.Invoke(options, null)!;
        try
        {
            property.SetValue(copy, value);
        }
        catch (TargetInvocationException e) when (e.InnerException is ArgumentException inner)
        {
            // The record names its property; a user typed the key.
            throw new ArgumentOutOfRangeException(Key, value, Requirement(inner));
        }

        return copy;
    }

    /// <summary>The value of <paramref name="text"/> in canonical text form (so <c>4.0</c> and <c>4</c> are one value).</summary>
    /// <exception cref="ArgumentException">Not a value of the option's type.</exception>
    public string Canonical(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Parse(text.Trim()) switch
        {
            double d => d.ToString("R", CultureInfo.InvariantCulture),
            bool b => b ? "true" : "false",
            Enum e => EnumNames.Format(e),
            var other => other.ToString()!,
        };
    }

    private object Parse(string text)
    {
        if (ValueType == typeof(double))
        {
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                ? number
                : throw new ArgumentException($"'{text}' is not a number", Key);
        }

        if (ValueType == typeof(bool))
        {
            return text switch
            {
                "true" => true,
                "false" => false,
                _ => throw new ArgumentException($"'{text}' is not true or false", Key),
            };
        }

        if (ValueType.IsEnum)
        {
            return Enum.GetValues(ValueType).Cast<Enum>().FirstOrDefault(e => EnumNames.Format(e) == text)
                ?? throw new ArgumentException($"'{text}' is not valid; valid: {string.Join(", ", Choices)}", Key);
        }

        try
        {
            return ClassWeights.Parse(text);
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new ArgumentOutOfRangeException(Key, e.ActualValue, Requirement(e));
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException(Requirement(e), Key, e);
        }
    }

    // The message without the "(Parameter 'x')" and "Actual value was" parts that ArgumentException appends.
    private static string Requirement(ArgumentException e)
    {
        var message = e.Message;
        var end = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        return end >= 0 ? message[..end] : message.Split(Environment.NewLine)[0];
    }
}
