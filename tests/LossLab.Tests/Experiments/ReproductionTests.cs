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
}
