using System.Reflection;

namespace LossLab.Losses;

/// <summary>
/// A registered loss (see <see cref="LossRegistry"/>): its name, what it is, its options record with the defaults and
/// the options a user sets by key, and its factory.
/// </summary>
public sealed class LossDefinition
{
    private readonly Func<LossOptions, LossContext, LossModule> factory;

    private LossDefinition(string name, string description, LossOptions defaults, Func<LossOptions, LossContext, LossModule> factory)
    {
        Name = name;
        Description = description;
        Defaults = defaults;
        this.factory = factory;
        Options = defaults.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (Property: p, Attribute: p.GetCustomAttribute<LossOptionAttribute>()))
            .Where(p => p.Attribute is not null)
            .Select(p => new LossOptionInfo(p.Property, p.Attribute!, defaults))
            .ToArray();
    }

    /// <summary>The name used with <c>--loss</c>, lower case.</summary>
    public string Name { get; }

    /// <summary>What the loss is, in one line.</summary>
    public string Description { get; }

    /// <summary>The options record's type.</summary>
    public Type OptionsType => Defaults.GetType();

    /// <summary>The options with every default.</summary>
    public LossOptions Defaults { get; }

    /// <summary>The options a user sets by key, in the record's order.</summary>
    public IReadOnlyList<LossOptionInfo> Options { get; }

    /// <summary>Defines a loss.</summary>
    /// <typeparam name="TOptions">Its options record; <c>new TOptions()</c> holds the defaults.</typeparam>
    /// <param name="name">Name used with <c>--loss</c>, lower case.</param>
    /// <param name="description">What the loss is, in one line.</param>
    /// <param name="factory">Builds the loss from its options and what the data says.</param>
    public static LossDefinition Of<TOptions>(string name, string description, Func<TOptions, LossContext, LossModule> factory)
        where TOptions : LossOptions, new()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(description);
        ArgumentNullException.ThrowIfNull(factory);
        return new LossDefinition(name, description, new TOptions(), (options, context) => factory((TOptions)options, context));
    }

    /// <summary>The option with <paramref name="key"/>, or null when this loss has none.</summary>
    public LossOptionInfo? Option(string key) => Options.FirstOrDefault(o => o.Key == key);

    /// <summary>A copy of <paramref name="options"/> with the option <paramref name="key"/> set from text.</summary>
    /// <exception cref="ArgumentException">This loss has no such option, or the value is invalid; the parameter name is <paramref name="key"/>.</exception>
    public LossOptions With(LossOptions options, string key, string text)
    {
        RequireOwn(options);
        var option = Option(key) ?? throw new ArgumentException(
            $"loss '{Name}' has no option '{key}'; its options: {(Options.Count == 0 ? "none" : string.Join(", ", Options.Select(o => o.Key)))}", key);
        return option.With(options, text);
    }

    /// <summary>Builds the loss.</summary>
    /// <param name="options">Options of this loss.</param>
    /// <param name="context">Number of classes, embedding width and, where needed, the training set's class counts.</param>
    /// <exception cref="ArgumentException">Options of another loss, or options that do not fit the data (e.g. the number of class weights).</exception>
    public LossModule Create(LossOptions options, LossContext context)
    {
        RequireOwn(options);
        ArgumentNullException.ThrowIfNull(context);
        return factory(options, context);
    }

    private void RequireOwn(LossOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.GetType() != OptionsType)
        {
            throw new ArgumentException($"{options.GetType().Name} are not the options of loss '{Name}' ({OptionsType.Name})", nameof(options));
        }
    }
}
