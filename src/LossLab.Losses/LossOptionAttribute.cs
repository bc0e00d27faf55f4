namespace LossLab.Losses;

/// <summary>
/// Marks a property of a loss options record as an option a user sets by name: the command line's <c>--KEY</c> and a
/// sweep's <c>--grid KEY=...</c>. Losses that share a key share the flag.
/// </summary>
/// <param name="key">The option's name, lower-case words joined by dashes (e.g. <c>margin-beta-lr</c>).</param>
/// <param name="description">What the option is and its valid range, for help texts (e.g. <c>softmax scale beta, &gt; 0</c>).</param>
[AttributeUsage(AttributeTargets.Property, AllowMultiple = false)]
public sealed class LossOptionAttribute(string key, string description) : Attribute
{
    /// <summary>The option's name.</summary>
    public string Key { get; } = key;

    /// <summary>What the option is and its valid range.</summary>
    public string Description { get; } = description;
}
