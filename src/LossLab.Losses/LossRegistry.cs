namespace LossLab.Losses;

/// <summary>
/// The losses usable with <c>--loss</c> (SPEC §2): each is one options record, one module and one line here. The
/// command line's loss flags, the sweep keys, <c>losslab losses</c> and the messages about options are read from the
/// options records through <see cref="LossDefinition.Options"/>.
/// </summary>
public static class LossRegistry
{
    /// <summary>Every loss, in display order.</summary>
    public static IReadOnlyList<LossDefinition> All { get; } =
    [
        LossDefinition.Of<CrossEntropyLossOptions>("ce", "softmax cross-entropy", (o, _) => new CrossEntropyLoss(o.LabelSmoothing)),
        LossDefinition.Of<ImprovedLossOptions>("improved", "-alpha_y (1 - p_t)^gamma log p_t with p = softmax(beta z)", (o, c) => new ImprovedLoss(o.Beta, o.Gamma, o.Alpha?.Resolve(c))),
        LossDefinition.Of<FocalLossOptions>("focal", "the improved loss with beta = 1 (Lin et al. 2017)", (o, c) => new FocalLoss(o.Gamma, o.Alpha?.Resolve(c))),
        LossDefinition.Of<TripletLossOptions>("triplet", "one mined triplet per anchor on normalised embeddings", (o, _) => new TripletLoss(o.Margin, o.Mining, o.SamplingSeed)),
        LossDefinition.Of<MarginLossOptions>("margin", "margin loss with distance-weighted sampling and a learnable boundary per class (Wu et al. 2017)", (o, c) => new MarginLoss(c.NumClasses, o.Alpha, o.InitialBeta, o.BetaLearningRate, o.DistanceCutoff, o.SamplingSeed)),
        LossDefinition.Of<ProxyNcaLossOptions>("proxynca", "one learnable proxy per class (Movshovitz-Attias et al. 2017)", (o, c) => new ProxyNcaLoss(c.NumClasses, c.EmbeddingDim, o.ProxyLrMultiplier)),
        LossDefinition.Of<NPairLossOptions>("npair", "multi-class N-pair loss with an embedding L2 penalty (Sohn 2016)", (o, _) => new NPairLoss(o.L2Weight, o.SamplingSeed)),
        LossDefinition.Of<ContrastiveLossOptions>("contrastive", "all pairs of the batch (Hadsell et al. 2006)", (o, _) => new ContrastiveLoss(o.Margin)),
        LossDefinition.Of<LogitAdjustedLossOptions>("logit-adjusted", "cross-entropy on logits + tau log(class prior) in training, plain logits at test time (Menon et al. 2021)", (o, c) => new LogitAdjustedLoss(c.ClassPrior("logit-adjusted"), o.Tau)),
    ];

    /// <summary>The names, in display order.</summary>
    public static IReadOnlyList<string> Names => All.Select(d => d.Name).ToArray();

    /// <summary>Every option key of any loss, in order of first appearance; losses may share a key (e.g. <c>margin</c>).</summary>
    public static IReadOnlyList<string> OptionKeys => All.SelectMany(d => d.Options).Select(o => o.Key).Distinct().ToArray();

    /// <summary>The loss named <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the valid ones.</exception>
    public static LossDefinition Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return All.FirstOrDefault(d => string.Equals(d.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"unknown loss '{name}'; valid: {string.Join(", ", Names)}", nameof(name));
    }

    /// <summary>The loss whose options record <paramref name="options"/> is.</summary>
    /// <exception cref="ArgumentException">A record no registered loss uses.</exception>
    public static LossDefinition Of(LossOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return All.FirstOrDefault(d => d.OptionsType == options.GetType())
            ?? throw new ArgumentException($"{options.GetType().Name} are the options of no registered loss", nameof(options));
    }

    /// <summary>Builds the loss that <paramref name="options"/> belong to.</summary>
    /// <param name="options">A loss's options record, e.g. <c>new ImprovedLossOptions { Gamma = 10 }</c>.</param>
    /// <param name="context">Number of classes, embedding width and, where needed, the training set's class counts.</param>
    /// <exception cref="ArgumentException">Options that do not fit the data (e.g. the number of class weights).</exception>
    public static LossModule Create(LossOptions options, LossContext context) => Of(options).Create(options, context);
}
