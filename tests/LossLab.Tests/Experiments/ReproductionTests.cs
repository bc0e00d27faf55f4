using LossLab.Experiments;
using LossLab.Losses;

namespace LossLab.Tests.Experiments;

public sealed class ReproductionTests
{
    [Fact]
    public void Should_KeepThePaperDesignAtASmallSize_When_ThePresetIsQuick()
    {
        // Given the quick presets
        // When E1, E2 and E4 are planned
        var e1 = Assert.Single(Reproduction.Create("E1", "quick", new ReproductionSettings())).Plan;
        var e2 = Assert.Single(Reproduction.Create("e2", "quick", new ReproductionSettings())).Plan;
        var e4 = Reproduction.Create("E4", "quick", new ReproductionSettings());

        // Then E1 is the paper's search on the improved loss, E2 the seven losses × three seeds, and E4 keeps CIFAR-100
        // for Table 1 and the paper's beta=4, gamma=10 for Fashion-MNIST (Fig. 9); all on 2 threads with a small budget
        Assert.Equal(SweepMode.Coordinate, e1.Sweep!.Mode);
        Assert.Equal(Reproduction.PaperSearchAxes, e1.Sweep.Axes);
        Assert.Equal("val", e1.Sweep.SelectOn);
        Assert.Equal("improved", e1.Base.Loss);
        Assert.Equal(21, e2.Runs.Count);
        Assert.Equal(ExperimentPlan.PaperLosses, e2.Losses);
        Assert.Equal(("E2", "quick"), (e2.Experiment, e2.Preset));
        Assert.All(e2.Runs, r => Assert.Equal(("small-cnn", "fashion-mnist", 3, 10000, 2000, 2), (r.Options.Model, r.Options.Dataset, r.Options.Epochs, r.Options.TrainLimit, r.Options.TestLimit, r.Options.Threads)));
        Assert.All(e2.Runs, r => Assert.Equal(5000, r.Options.ClassMeanImages));
        Assert.Null(e4[0].Plan.Base.ClassMeanImages);
        Assert.Equal(["table1-cifar100", "fig9-fashion-mnist"], e4.Select(p => p.Folder));
        Assert.Equal("cifar100", e4[0].Plan.Base.Dataset);
        Assert.Equal("E4-fig9", e4[1].Plan.Experiment);
        var improved = Assert.IsType<ImprovedLossOptions>(e4[1].Plan.Runs.First(r => r.Options.Loss == "improved").Options.LossOptions);
        Assert.Equal((4.0, 10.0), (improved.Beta, improved.Gamma));
    }

    [Fact]
    public void Should_UseThePaperModelsDataAndOptimizer_When_ThePresetIsPaper()
    {
        // Given the paper presets, E2 with the user's own data and one seed
        // When E2, E3 and E4 are planned
        var e2 = Assert.Single(Reproduction.Create("E2", "paper", new ReproductionSettings { Dataset = "folder:/data/mine", Seeds = 1 })).Plan;
        var e3 = Assert.Single(Reproduction.Create("E3", "paper", new ReproductionSettings())).Plan;
        var e4 = Reproduction.Create("E4", "paper", new ReproductionSettings());

        // Then they train 70 epochs with Adam at lr 1e-5 and weight decay 4e-4 on the paper's architectures
        Assert.All(e2.Runs, r => Assert.Equal(("googlenet", "folder:/data/mine", 70, "adam", 1e-5, 4e-4), (r.Options.Model, r.Options.Dataset, r.Options.Epochs, EnumNames.Format(r.Options.Optimizer), r.Options.LearningRate, r.Options.WeightDecay)));
        Assert.Equal(7, e2.Runs.Count);
        Assert.Equal(("resnet50", "cifar10"), (e3.Base.Model, e3.Base.Dataset));
        Assert.Equal(("googlenet", "cifar100"), (e4[0].Plan.Base.Model, e4[0].Plan.Base.Dataset));
        Assert.Equal(("resnet50", "fashion-mnist"), (e4[1].Plan.Base.Model, e4[1].Plan.Base.Dataset));
        Assert.Null(e2.Base.TrainLimit);
        Assert.Null(e2.Base.ClassMeanImages);
    }

    [Fact]
    public void Should_TrainSmallCnnOnAllOfCifar10WithThreeSeeds_When_ThePresetIsMedium()
    {
        // Given the medium preset
        // When E2, E5 and E6 are planned
        var e2 = Assert.Single(Reproduction.Create("E2", "medium", new ReproductionSettings())).Plan;
        var e5 = Assert.Single(Reproduction.Create("E5", "medium", new ReproductionSettings())).Plan;
        var e6 = Reproduction.Create("E6", "medium", new ReproductionSettings());

        // Then every run trains small-cnn on the whole of CIFAR-10 (no limits) with batch 128 on 2 threads, E2 and E5 for
        // 2 epochs (the same budget, so E5's arms and E2's runs are comparable) and E6 for 3 on its smaller long-tailed sets
        var runs = e2.Runs.Concat(e5.Runs).Concat(e6.SelectMany(p => p.Plan.Runs)).ToArray();
        Assert.Equal(21 + 15 + 36, runs.Length);
        Assert.All(runs, r => Assert.Equal(("small-cnn", "cifar10", (int?)null, (int?)null, 128, 2, "medium"), (r.Options.Model, r.Options.Dataset, r.Options.TrainLimit, r.Options.TestLimit, r.Options.BatchSize, r.Options.Threads, r.Options.Preset)));
        Assert.All(e2.Runs.Concat(e5.Runs), r => Assert.Equal(2, r.Options.Epochs));
        Assert.All(e6.SelectMany(p => p.Plan.Runs), r => Assert.Equal(3, r.Options.Epochs));
        Assert.All(e2.Runs, r => Assert.Equal((true, 10000), (r.Options.EmbeddingMetrics, r.Options.ClassMeanImages)));
        Assert.All(e5.Runs, r => Assert.False(r.Options.EmbeddingMetrics));
        Assert.Equal(("E2", "medium"), (e2.Experiment, e2.Preset));
        Assert.Equal([10.0, 100.0], e6.Select(p => p.Plan.Base.ImbalanceRatio!.Value));
        Assert.Equal(3, e5.Seeds);
    }

    [Theory]
    [InlineData("E1")]
    [InlineData("E3")]
    [InlineData("E4")]
    public void Should_SayWhichExperimentsHaveIt_When_MediumIsAskedForAnotherExperiment(string experiment)
    {
        // Given an experiment without a medium preset
        // When it is planned with --preset medium
        var error = Assert.Throws<ArgumentException>(() => Reproduction.Create(experiment, "medium", new ReproductionSettings()));

        // Then the error names the option and the experiments that have the preset
        Assert.Equal("--preset", error.ParamName);
        Assert.Contains("E2, E5, E6", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Should_DecomposeTheImprovedLossOnE2sQuickBudget_When_E5IsPlanned()
    {
        // Given the quick preset
        // When E5 is planned
        var e5 = Assert.Single(Reproduction.Create("E5", "quick", new ReproductionSettings())).Plan;

        // Then it compares five settings of the improved loss, 3 seeds each, on E2 quick's model, data and budget
        var e2 = Assert.Single(Reproduction.Create("E2", "quick", new ReproductionSettings())).Plan;
        Assert.Equal(("E5", "quick", ExperimentKind.Compare), (e5.Experiment, e5.Preset, e5.Kind));
        Assert.Equal(["ce", "scale-only", "focus-only", "both", "paper-fmnist"], e5.Variants.Select(v => v.Name));
        var settings = e5.Variants.Select(v => Assert.IsType<ImprovedLossOptions>(v.LossOptions)).Select(o => (o.Beta, o.Gamma, o.Alpha)).ToArray();
        Assert.Equal([(1.0, 0.0, null), (4.0, 0.0, null), (1.0, 5.0, null), (4.0, 5.0, null), (4.0, 10.0, (ClassWeights?)null)], settings);
        Assert.Equal("scale only (β 4, γ 0)", e5.Variants[1].Label);
        Assert.Equal(15, e5.Runs.Count);
        Assert.Equal(["ce", "both"], e5.PairedAgainst);
        Assert.Equal("both", e5.ReferenceLoss);
        Assert.All(e5.Runs, r => Assert.Equal(
            (e2.Base.Model, e2.Base.Dataset, e2.Base.Epochs, e2.Base.TrainLimit, e2.Base.TestLimit, e2.Base.BatchSize, e2.Base.Threads),
            (r.Options.Model, r.Options.Dataset, r.Options.Epochs, r.Options.TrainLimit, r.Options.TestLimit, r.Options.BatchSize, r.Options.Threads)));
        Assert.Equal(
            e5.Variants.SelectMany(v => new[] { 1, 2, 3 }.Select(seed => ($"variant={v.Name}_seed={seed}", v.LossOptions, seed))),
            e5.Runs.Select(r => (r.Id, r.Options.LossOptions, r.Options.Seed)));
    }

    [Fact]
    public void Should_CompareImbalanceRemediesAtTwoRatiosOnCifar10_When_E6IsPlanned()
    {
        // Given the quick preset
        // When E6 is planned
        var e6 = Reproduction.Create("E6", "quick", new ReproductionSettings());

        // Then it has a part per ratio (10 and 100) on CIFAR-10 with the six remedies, 3 seeds each
        Assert.Equal(["ratio-10", "ratio-100"], e6.Select(p => p.Folder));
        Assert.Equal([10.0, 100.0], e6.Select(p => p.Plan.Base.ImbalanceRatio!.Value));
        Assert.Equal(["E6-ratio10", "E6-ratio100"], e6.Select(p => p.Plan.Experiment!));
        foreach (var plan in e6.Select(p => p.Plan))
        {
            Assert.Equal(["ce", "focal", "improved", "class-balanced", "logit-adjusted", "improved-class-balanced"], plan.Variants.Select(v => v.Name));
            Assert.Equal(["ce", "focal", "improved", "logit-adjusted"], plan.Losses);
            Assert.Equal(18, plan.Runs.Count);
            Assert.All(plan.Runs, r => Assert.Equal(("cifar10", "small-cnn", 3, 10000, 2000), (r.Options.Dataset, r.Options.Model, r.Options.Epochs, r.Options.TrainLimit, r.Options.TestLimit)));
            var balanced = Assert.IsType<ImprovedLossOptions>(plan.Variants.Single(v => v.Name == "class-balanced").LossOptions);
            Assert.Equal((1.0, 0.0, 0.999), (balanced.Beta, balanced.Gamma, balanced.Alpha!.EffectiveNumberBeta));
            var both = Assert.IsType<ImprovedLossOptions>(plan.Variants.Single(v => v.Name == "improved-class-balanced").LossOptions);
            Assert.Equal((4.0, 5.0, 0.999), (both.Beta, both.Gamma, both.Alpha!.EffectiveNumberBeta));
            Assert.Equal(1.0, Assert.IsType<LogitAdjustedLossOptions>(plan.Variants.Single(v => v.Name == "logit-adjusted").LossOptions).Tau);
        }
    }

    [Fact]
    public void Should_RefuseUnknownOrRepeatedVariants_When_PlanningACompareOfVariants()
    {
        // Given two variants
        PlanVariant[] variants = [new("a", "A", new CrossEntropyLossOptions()), new("b", "B", new FocalLossOptions())];

        // When a plan names a missing reference, repeats a name, or uses a name unsafe in a folder
        // Then it is refused
        Assert.Throws<ArgumentException>(() => ExperimentPlan.CompareVariants(new(), variants, 1, "c", [], "t"));
        Assert.Throws<ArgumentException>(() => ExperimentPlan.CompareVariants(new(), [variants[0], variants[0]], 1, "a", [], "t"));
        Assert.Throws<ArgumentException>(() => ExperimentPlan.CompareVariants(new(), [new("a b", "A", new CrossEntropyLossOptions())], 1, "a b", [], "t"));
    }
}
