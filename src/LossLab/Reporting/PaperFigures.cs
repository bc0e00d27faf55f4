namespace LossLab.Reporting;

/// <summary>
/// What the paper reports (its text; its tables' and figures' numbers beyond these were lost), for the
/// "paper" columns of reports. SPEC §6 lists them.
/// </summary>
public static class PaperFigures
{
    private static readonly string[] MetricBaselines = ["margin", "triplet", "proxynca", "npair"];

    /// <summary>Every reported figure.</summary>
    public static IReadOnlyList<PaperFigure> All { get; } =
    [
        new("E2", "improved", "f1", "0.633", 0.633),
        new("E2", "improved", "nmi", "0.625", 0.625),
        .. MetricBaselines.SelectMany(l => new PaperFigure[] { new("E2", l, "f1", "0.5–0.6"), new("E2", l, "nmi", "0.4–0.5") }),
        new("E3", "improved", "f1", "triplet + 0.06"),
        new("E3", "improved", "nmi", "slightly below triplet"),
        new("E4-table1", "improved", "recall@1", "0.632 (best)", 0.632),
        new("E4-table1", "improved", "f1", "slightly above the others"),
        new("E4-table1", "improved", "nmi", "slightly above the others"),
        new("E4-fig9", "improved", "f1", "above margin and triplet"),
        new("E4-fig9", "improved", "nmi", "above margin and triplet"),
    ];

    /// <summary>The paper's model and dataset of each experiment.</summary>
    public static IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["E1"] = "GoogLeNet, CIFAR-10",
        ["E2"] = "GoogLeNet, CIFAR-10, 70 epochs",
        ["E3"] = "ResNet, CIFAR-10, 70 epochs",
        ["E4-table1"] = "GoogLeNet, CIFAR-100, 70 epochs",
        ["E4-fig9"] = "ResNet-50, Fashion-MNIST, 70 epochs, beta=4, gamma=10",
    };

    /// <summary>The best setting E1 found: beta = 4, gamma = 5 (GoogLeNet, CIFAR-10).</summary>
    public static IReadOnlyDictionary<string, string> BestSetting { get; } = new Dictionary<string, string> { ["beta"] = "4", ["gamma"] = "5" };

    /// <summary>What Table 2 says in words: the improved loss has the highest Recall@8 for every architecture and dataset, and a lower Recall@1 than the others with ResNet-50.</summary>
    public const string Table2Finding = "improved: highest Recall@8 for every architecture and dataset; Recall@1 below the other losses with ResNet-50; best CIFAR-100 Recall@1 0.632";

    /// <summary>The paper's figure for an experiment, loss and metric, or null when it reports none.</summary>
    public static PaperFigure? Find(string? experiment, string loss, string metric) =>
        experiment is null ? null : All.FirstOrDefault(f => f.Experiment == experiment && f.Loss == loss && f.Metric == metric);
}
