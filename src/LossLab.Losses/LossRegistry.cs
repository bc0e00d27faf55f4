using System.Reflection;

namespace LossLab.Losses;

/// <summary>
/// Loss names usable with <c>--loss</c> (SPEC §2), each mapped to a factory, the options it reads and its effective
/// settings for a run's <c>config.json</c>.
/// </summary>
public static class LossRegistry
{
    private static readonly Dictionary<string, Entry> Entries = new(StringComparer.OrdinalIgnoreCase)
    {
        ["ce"] = new(
            [nameof(LossOptions.LabelSmoothing)],
            o => Settings(("labelSmoothing", LabelSmoothing(o))),
            (o, _, _) => new CrossEntropyLoss(LabelSmoothing(o))),
        ["improved"] = new(
            [nameof(LossOptions.Beta), nameof(LossOptions.Gamma), nameof(LossOptions.Alpha)],
            o => Settings(("beta", Beta(o)), ("gamma", Gamma(o, 5.0)), ("alpha", o.Alpha)),
            (o, classes, _) => new ImprovedLoss(Beta(o), Gamma(o, 5.0), Alpha(o, classes))),
        ["focal"] = new(
            [nameof(LossOptions.Gamma), nameof(LossOptions.Alpha)],
            o => Settings(("gamma", Gamma(o, 2.0)), ("alpha", o.Alpha)),
            (o, classes, _) => new FocalLoss(Gamma(o, 2.0), Alpha(o, classes))),
        ["triplet"] = new(
            [nameof(LossOptions.Margin), nameof(LossOptions.TripletMining), nameof(LossOptions.SamplingSeed)],
            o => Settings(("margin", Margin(o, 0.2)), ("tripletMining", MiningName(Mining(o))), ("samplingSeed", o.SamplingSeed)),
            (o, _, _) => new TripletLoss(Margin(o, 0.2), Mining(o), o.SamplingSeed)),
        ["margin"] = new(
            [nameof(LossOptions.MarginAlpha), nameof(LossOptions.MarginBeta), nameof(LossOptions.MarginBetaLr),
             nameof(LossOptions.DistanceCutoff), nameof(LossOptions.SamplingSeed)],
            o => Settings(
                ("marginAlpha", MarginAlpha(o)), ("marginBeta", MarginBeta(o)), ("marginBetaLr", MarginBetaLr(o)),
                ("distanceCutoff", o.DistanceCutoff ?? false), ("samplingSeed", o.SamplingSeed)),
            (o, classes, _) => new MarginLoss(classes, MarginAlpha(o), MarginBeta(o), MarginBetaLr(o), o.DistanceCutoff ?? false, o.SamplingSeed)),
        ["proxynca"] = new(
            [nameof(LossOptions.ProxyLrMultiplier)],
            o => Settings(("proxyLrMultiplier", ProxyLrMultiplier(o))),
            (o, classes, dim) => new ProxyNcaLoss(classes, dim, ProxyLrMultiplier(o))),
        ["npair"] = new(
            [nameof(LossOptions.NPairL2), nameof(LossOptions.SamplingSeed)],
            o => Settings(("nPairL2", NPairL2(o)), ("samplingSeed", o.SamplingSeed)),
            (o, _, _) => new NPairLoss(NPairL2(o), o.SamplingSeed)),
        ["contrastive"] = new(
            [nameof(LossOptions.Margin)],
            o => Settings(("margin", Margin(o, 1.0))),
            (o, _, _) => new ContrastiveLoss(Margin(o, 1.0))),
    };

    /// <summary>Registered names, in display order: ce, improved, focal, triplet, margin, proxynca, npair, contrastive.</summary>
    public static IReadOnlyList<string> Names => Entries.Keys.ToArray();

    /// <summary>Builds a loss.</summary>
    /// <param name="name">Loss name (case-insensitive), one of <see cref="Names"/>.</param>
    /// <param name="options">Overrides; null fields take the loss's defaults.</param>
    /// <param name="numClasses">Number of classes (≥ 1; ≥ 2 for proxynca).</param>
    /// <param name="embeddingDim">Embedding width (≥ 1).</param>
    /// <exception cref="ArgumentException">Unknown name (the message lists the valid ones), or an alpha of the wrong length.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option out of range; the parameter name is the option's.</exception>
    public static LossModule Create(string name, LossOptions options, int numClasses, int embeddingDim)
    {
        var entry = Find(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(embeddingDim, 1);
        return entry.Create(options, numClasses, embeddingDim);
    }

    /// <summary>
    /// The settings a loss runs with: every option it reads, overridden or default, keyed by the camel-cased
    /// <see cref="LossOptions"/> property name (alpha and samplingSeed only when set). Values are double, bool, string, long or double[].
    /// </summary>
    /// <param name="name">Loss name, one of <see cref="Names"/>.</param>
    /// <param name="options">Overrides.</param>
    /// <exception cref="ArgumentException">Unknown name.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option out of range.</exception>
    public static IReadOnlyDictionary<string, object> DescribeEffective(string name, LossOptions options)
    {
        var entry = Find(name);
        ArgumentNullException.ThrowIfNull(options);
        return entry.Describe(options);
    }

    /// <summary>Names of the options set in <paramref name="options"/> that the loss ignores (for a warning).</summary>
    /// <param name="name">Loss name, one of <see cref="Names"/>.</param>
    /// <param name="options">Overrides.</param>
    public static IReadOnlyList<string> UnusedOptions(string name, LossOptions options)
    {
        var entry = Find(name);
        ArgumentNullException.ThrowIfNull(options);
        return typeof(LossOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetValue(options) is not null && !entry.Options.Contains(p.Name))
            .Select(p => p.Name)
            .ToArray();
    }

    private static Entry Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Entries.TryGetValue(name, out var entry)
            ? entry
            : throw new ArgumentException($"unknown loss '{name}'; valid: {string.Join(", ", Names)}", nameof(name));
    }

    private static Dictionary<string, object> Settings(params (string Key, object? Value)[] values) =>
        values.Where(v => v.Value is not null).ToDictionary(v => v.Key, v => v.Value!);

    private static double LabelSmoothing(LossOptions o) =>
        Check(o.LabelSmoothing ?? 0.0, v => v >= 0 && v < 1, nameof(LossOptions.LabelSmoothing), "in [0, 1)");

    private static double Beta(LossOptions o) => Check(o.Beta ?? 4.0, v => v > 0, nameof(LossOptions.Beta), "> 0");

    private static double Gamma(LossOptions o, double defaultValue) =>
        Check(o.Gamma ?? defaultValue, v => v >= 0, nameof(LossOptions.Gamma), "≥ 0");

    private static double[]? Alpha(LossOptions o, int numClasses)
    {
        if (o.Alpha is null)
        {
            return null;
        }

        if (o.Alpha.Length != numClasses)
        {
            throw new ArgumentException($"loss option Alpha has {o.Alpha.Length} weights for {numClasses} classes", nameof(LossOptions.Alpha));
        }

        foreach (var weight in o.Alpha)
        {
            Check(weight, v => v >= 0, nameof(LossOptions.Alpha), "≥ 0 for every class");
        }

        return o.Alpha;
    }

    private static double Margin(LossOptions o, double defaultValue) =>
        Check(o.Margin ?? defaultValue, v => v >= 0, nameof(LossOptions.Margin), "≥ 0");

    private static TripletMining Mining(LossOptions o) => o.TripletMining switch
    {
        null or "semi-hard" => TripletMining.SemiHard,
        "batch-hard" => TripletMining.BatchHard,
        _ => throw new ArgumentOutOfRangeException(
            nameof(LossOptions.TripletMining), o.TripletMining, "loss option TripletMining must be 'semi-hard' or 'batch-hard'"),
    };

    private static string MiningName(TripletMining mining) => mining == TripletMining.BatchHard ? "batch-hard" : "semi-hard";

    private static double MarginAlpha(LossOptions o) => Check(o.MarginAlpha ?? 0.2, v => v >= 0, nameof(LossOptions.MarginAlpha), "≥ 0");

    private static double MarginBeta(LossOptions o) => Check(o.MarginBeta ?? 1.2, v => v >= 0, nameof(LossOptions.MarginBeta), "≥ 0");

    private static double MarginBetaLr(LossOptions o) => Check(o.MarginBetaLr ?? 5e-4, v => v > 0, nameof(LossOptions.MarginBetaLr), "> 0");

    private static double ProxyLrMultiplier(LossOptions o) =>
        Check(o.ProxyLrMultiplier ?? 50.0, v => v > 0, nameof(LossOptions.ProxyLrMultiplier), "> 0");

    private static double NPairL2(LossOptions o) => Check(o.NPairL2 ?? 0.005, v => v >= 0, nameof(LossOptions.NPairL2), "≥ 0");

    // NaN fails every comparison, so it is rejected along with out-of-range values.
    private static double Check(double value, Func<double, bool> inRange, string option, string requirement) =>
        inRange(value) && double.IsFinite(value)
            ? value
            : throw new ArgumentOutOfRangeException(option, value, $"loss option {option} must be finite and {requirement}");

    private sealed record Entry(
        IReadOnlyList<string> Options,
        Func<LossOptions, IReadOnlyDictionary<string, object>> Describe,
        Func<LossOptions, int, int, LossModule> Create);
}
