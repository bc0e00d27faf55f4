using LossLab.Metrics;
using TorchSharp;

namespace LossLab.Tests.Metrics;

public sealed class ClassificationMetricsTests
{
    public static TheoryData<string> CaseNames()
    {
        var names = new TheoryData<string>();
        foreach (var c in MetricsReference.ClassificationCases)
        {
            names.Add(c.GetProperty("name").GetString()!);
        }

        return names;
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Should_MatchScikitLearn_When_ComputingClassificationMetrics(string name)
    {
        // Given a prediction set scored by scikit-learn
        var reference = MetricsReference.ClassificationCase(name);
        var labels = MetricsReference.Longs(reference.GetProperty("labels"));
        var predictions = MetricsReference.Longs(reference.GetProperty("predictions"));
        var numClasses = reference.GetProperty("num_classes").GetInt32();

        // When the report is computed
        var report = ClassificationMetrics.Compute(labels, predictions, numClasses);

        // Then accuracy, macro-F1, NMI and the confusion matrix agree
        Assert.Equal(reference.GetProperty("accuracy").GetDouble(), report.Accuracy, 1e-6);
        Assert.Equal(reference.GetProperty("f1_macro").GetDouble(), report.F1Macro, 1e-6);
        Assert.Equal(reference.GetProperty("nmi").GetDouble(), report.Nmi, 1e-6);
        var expected = reference.GetProperty("confusion_matrix").EnumerateArray().Select(MetricsReference.Longs).ToArray();
        Assert.Equal(expected, report.ConfusionMatrix);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Should_MatchScikitLearnBalancedAccuracyAndRecall_When_ScoringPerClass(string name)
    {
        // Given a prediction set scored by scikit-learn's balanced_accuracy_score and recall_score(average=None)
        var reference = MetricsReference.ClassificationCase(name);
        var labels = MetricsReference.Longs(reference.GetProperty("labels"));
        var predictions = MetricsReference.Longs(reference.GetProperty("predictions"));
        var numClasses = reference.GetProperty("num_classes").GetInt32();

        // When the report is computed
        var report = ClassificationMetrics.Compute(labels, predictions, numClasses);

        // Then balanced accuracy agrees, and each class's recall, null exactly for the classes absent from the labels
        Assert.Equal(reference.GetProperty("balanced_accuracy").GetDouble(), report.BalancedAccuracy, 1e-12);
        var expected = reference.GetProperty("class_recall").EnumerateArray()
            .Select(e => e.ValueKind == System.Text.Json.JsonValueKind.Null ? (double?)null : e.GetDouble()).ToArray();
        Assert.Equal(expected.Length, report.ClassRecall.Count);
        for (var c = 0; c < expected.Length; c++)
        {
            Assert.Equal(expected[c] is null, report.ClassRecall[c] is null);
            Assert.Equal(expected[c] ?? 0, report.ClassRecall[c] ?? 0, 1e-12);
        }
    }

    [Fact]
    public void Should_IgnoreClassesAbsentFromBoth_When_AveragingF1()
    {
        // Given perfect predictions over classes {0, 1} out of 5
        long[] labels = [0, 1, 0, 1];

        // When macro-F1 is computed with room for 5 classes
        var f1 = ClassificationMetrics.F1Macro(labels, labels, 5);

        // Then the three unseen classes do not drag the mean down
        Assert.Equal(1.0, f1);
    }

    [Fact]
    public void Should_BeSymmetric_When_SwappingNmiArguments()
    {
        // Given two unrelated labelings with different value sets
        var rng = new Random(3);
        var a = Enumerable.Range(0, 500).Select(_ => (long)rng.Next(7)).ToArray();
        var b = a.Select(v => rng.NextDouble() < 0.6 ? v * 10 : rng.Next(4) - 2L).ToArray();

        // When NMI is computed both ways
        var ab = ClassificationMetrics.Nmi(a, b);
        var ba = ClassificationMetrics.Nmi(b, a);

        // Then it is the same non-trivial value
        Assert.Equal(ab, ba, 1e-12);
        Assert.InRange(ab, 0.1, 0.9);
    }

    [Fact]
    public void Should_BeOne_When_LabelingsAreARenaming()
    {
        // Given a labeling and a permutation of its values
        long[] a = [0, 0, 1, 1, 2, 2, 2];
        long[] b = [7, 7, -3, -3, 5, 5, 5];

        // When NMI is computed
        var nmi = ClassificationMetrics.Nmi(a, b);

        // Then the match is perfect
        Assert.Equal(1.0, nmi, 1e-12);
    }

    [Fact]
    public void Should_CountLabelsAmongTopK_When_ComputingTopKAccuracy()
    {
        // Given logits whose true class ranks 1st, 2nd, 3rd and 4th
        using var logits = torch.tensor(new float[]
        {
            5, 1, 0, 0,
            1, 4, 5, 0,
            3, 2, 0, 1,
            0, 1, 2, 3,
        }, [4, 4]);
        using var labels = torch.tensor(new long[] { 0, 1, 3, 0 });

        // When top-1, top-2 and top-4 accuracy are computed
        var top1 = ClassificationMetrics.TopKAccuracy(logits, labels, 1);
        var top2 = ClassificationMetrics.TopKAccuracy(logits, labels, 2);
        var top4 = ClassificationMetrics.TopKAccuracy(logits, labels, 4);

        // Then each counts the labels within that rank
        Assert.Equal(0.25, top1);
        Assert.Equal(0.5, top2);
        Assert.Equal(1.0, top4);
    }

    [Fact]
    public void Should_NameTheArgument_When_APredictionIsOutOfRange()
    {
        // Given a prediction outside [0, numClasses)
        long[] labels = [0, 1];
        long[] predictions = [0, 3];

        // When the report is computed
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => ClassificationMetrics.Compute(labels, predictions, 3));

        // Then the error names the predictions
        Assert.Equal("predictions", error.ParamName);
    }
}
