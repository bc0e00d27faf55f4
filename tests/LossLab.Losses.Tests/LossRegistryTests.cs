using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Losses.Tests;

public sealed class LossRegistryTests
{
    [Fact]
    public void Should_ListEveryLoss_When_NamesAreRead()
    {
        // Given / When the registry's names
        var names = LossRegistry.Names;

        // Then they are the eight losses of SPEC §2, in order
        Assert.Equal(["ce", "improved", "focal", "triplet", "margin", "proxynca", "npair", "contrastive"], names);
    }

    [Theory]
    [InlineData("ce", typeof(CrossEntropyLoss), LossInput.Logits)]
    [InlineData("improved", typeof(ImprovedLoss), LossInput.Logits)]
    [InlineData("focal", typeof(FocalLoss), LossInput.Logits)]
    [InlineData("triplet", typeof(TripletLoss), LossInput.Embedding)]
    [InlineData("margin", typeof(MarginLoss), LossInput.Embedding)]
    [InlineData("proxynca", typeof(ProxyNcaLoss), LossInput.Embedding)]
    [InlineData("npair", typeof(NPairLoss), LossInput.Embedding)]
    [InlineData("CONTRASTIVE", typeof(ContrastiveLoss), LossInput.Embedding)]
    public void Should_BuildWorkingLoss_When_NameIsRegistered(string name, Type type, LossInput input)
    {
        // Given default options, 8 classes and 16-wide embeddings
        using var scope = NewDisposeScope();
        torch.manual_seed(40);
        using var loss = LossRegistry.Create(name, new LossOptions(), 8, 16);
        var x = torch.randn(32, input == LossInput.Logits ? 8 : 16).requires_grad_();
        var labels = torch.arange(8).repeat(4);

        // When the loss is computed and differentiated
        var value = loss.forward(x, labels);
        var grad = torch.autograd.grad([value], [x])[0];

        // Then it is the right type, consumes the right input, and gives a finite scalar and gradient
        Assert.IsType(type, loss);
        Assert.Equal(input, loss.Input);
        Assert.Equal(input == LossInput.Embedding, loss.NeedsPkBatches);
        Assert.Equal(0, value.dim());
        Assert.True(float.IsFinite(value.item<float>()) && grad.isfinite().all().item<bool>());
    }

    [Fact]
    public void Should_ListValidNames_When_NameIsUnknown()
    {
        // Given / When an unknown name
        var error = Assert.Throws<ArgumentException>(() => LossRegistry.Create("arcface", new LossOptions(), 10, 128));

        // Then the message lists the valid names
        Assert.Contains("arcface", error.Message);
        Assert.Contains("ce, improved, focal, triplet, margin, proxynca, npair, contrastive", error.Message);
    }

    [Theory]
    [InlineData("improved", "Beta")]
    [InlineData("improved", "Gamma")]
    [InlineData("focal", "Gamma")]
    [InlineData("ce", "LabelSmoothing")]
    [InlineData("triplet", "Margin")]
    [InlineData("contrastive", "Margin")]
    [InlineData("margin", "MarginAlpha")]
    [InlineData("margin", "MarginBeta")]
    [InlineData("margin", "MarginBetaLr")]
    [InlineData("proxynca", "ProxyLrMultiplier")]
    [InlineData("npair", "NPairL2")]
    public void Should_NameTheOption_When_ValueIsOutOfRange(string name, string option)
    {
        // Given an option set to a negative value (or 1 for label smoothing, 0 for the strictly positive ones)
        var value = option switch { "LabelSmoothing" => 1.0, "Beta" or "MarginBetaLr" or "ProxyLrMultiplier" => 0.0, _ => -0.5 };
        var options = new LossOptions();
        typeof(LossOptions).GetProperty(option)!.SetValue(options, value); // init-only, settable before first use

        // When / Then building or describing the loss fails naming the option
        Assert.Equal(option, Assert.Throws<ArgumentOutOfRangeException>(() => LossRegistry.Create(name, options, 10, 16)).ParamName);
        Assert.Equal(option, Assert.Throws<ArgumentOutOfRangeException>(() => LossRegistry.DescribeEffective(name, options)).ParamName);
    }

    [Fact]
    public void Should_RejectBadAlphaAndMining_When_Creating()
    {
        // Given / When / Then alpha of the wrong length or negative, an unknown mining and NaN are rejected
        Assert.Equal("Alpha", Assert.Throws<ArgumentException>(() => LossRegistry.Create("improved", new LossOptions { Alpha = [1, 2] }, 3, 8)).ParamName);
        Assert.Equal("Alpha", Assert.Throws<ArgumentOutOfRangeException>(() => LossRegistry.Create("focal", new LossOptions { Alpha = [1, -2, 1] }, 3, 8)).ParamName);
        Assert.Equal("TripletMining", Assert.Throws<ArgumentOutOfRangeException>(() => LossRegistry.Create("triplet", new LossOptions { TripletMining = "hard" }, 3, 8)).ParamName);
        Assert.Equal("Beta", Assert.Throws<ArgumentOutOfRangeException>(() => LossRegistry.Create("improved", new LossOptions { Beta = double.NaN }, 3, 8)).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => LossRegistry.Create("proxynca", new LossOptions(), 1, 8));
    }

    [Fact]
    public void Should_ApplyOverrides_When_OptionsAreSet()
    {
        // Given overrides for several losses in one options object
        var options = new LossOptions
        {
            Beta = 2,
            Gamma = 10,
            Margin = 0.5,
            TripletMining = "batch-hard",
            MarginAlpha = 0.1,
            MarginBeta = 1.0,
            MarginBetaLr = 1e-3,
            DistanceCutoff = true,
            ProxyLrMultiplier = 10,
            NPairL2 = 0.02,
            SamplingSeed = 7,
        };

        // When the losses are built
        using var improved = (ImprovedLoss)LossRegistry.Create("improved", options, 10, 16);
        using var focal = (FocalLoss)LossRegistry.Create("focal", options, 10, 16);
        using var triplet = (TripletLoss)LossRegistry.Create("triplet", options, 10, 16);
        using var margin = (MarginLoss)LossRegistry.Create("margin", options, 10, 16);
        using var proxy = (ProxyNcaLoss)LossRegistry.Create("proxynca", options, 10, 16);
        using var npair = (NPairLoss)LossRegistry.Create("npair", options, 10, 16);
        using var contrastive = (ContrastiveLoss)LossRegistry.Create("contrastive", options, 10, 16);

        // Then each reads its own options
        Assert.Equal((2.0, 10.0), (improved.Beta, improved.Gamma));
        Assert.Equal(10.0, focal.Gamma);
        Assert.Equal((0.5, TripletMining.BatchHard), (triplet.Margin, triplet.Mining));
        Assert.Equal((0.1, 1.0, 1e-3, true), (margin.Alpha, margin.InitialBeta, margin.BetaLearningRate, margin.DistanceCutoff));
        Assert.Equal(1.0f, margin.Beta[3].item<float>());
        Assert.Equal(10.0, proxy.LrMultiplier);
        Assert.Equal(0.02, npair.L2Weight);
        Assert.Equal(0.5, contrastive.Margin);
    }

    [Fact]
    public void Should_DescribeDefaults_When_NoOptionIsSet()
    {
        // Given / When the effective settings of every loss with no override
        IReadOnlyDictionary<string, object> Describe(string name) => LossRegistry.DescribeEffective(name, new LossOptions());

        // Then they are the defaults of SPEC §1–2
        Assert.Equal(new Dictionary<string, object> { ["labelSmoothing"] = 0.0 }, Describe("ce"));
        Assert.Equal(new Dictionary<string, object> { ["beta"] = 4.0, ["gamma"] = 5.0 }, Describe("improved"));
        Assert.Equal(new Dictionary<string, object> { ["gamma"] = 2.0 }, Describe("focal"));
        Assert.Equal(new Dictionary<string, object> { ["margin"] = 0.2, ["tripletMining"] = "semi-hard" }, Describe("triplet"));
        Assert.Equal(
            new Dictionary<string, object> { ["marginAlpha"] = 0.2, ["marginBeta"] = 1.2, ["marginBetaLr"] = 5e-4, ["distanceCutoff"] = false },
            Describe("margin"));
        Assert.Equal(new Dictionary<string, object> { ["proxyLrMultiplier"] = 50.0 }, Describe("proxynca"));
        Assert.Equal(new Dictionary<string, object> { ["nPairL2"] = 0.005 }, Describe("npair"));
        Assert.Equal(new Dictionary<string, object> { ["margin"] = 1.0 }, Describe("contrastive"));
    }

    [Fact]
    public void Should_ReportIgnoredOptions_When_OptionsBelongToOtherLosses()
    {
        // Given options for the improved loss and the triplet loss
        var options = new LossOptions { Beta = 4, Gamma = 5, Margin = 0.3, SamplingSeed = 1 };

        // When the unused options are asked for each loss
        // Then each lists exactly the ones it ignores
        Assert.Equal(["Margin", "SamplingSeed"], LossRegistry.UnusedOptions("improved", options));
        Assert.Equal(["Beta", "Gamma"], LossRegistry.UnusedOptions("triplet", options));
        Assert.Equal(["Beta", "Gamma", "Margin"], LossRegistry.UnusedOptions("npair", options));
        Assert.Equal(
            new Dictionary<string, object> { ["margin"] = 0.3, ["tripletMining"] = "semi-hard", ["samplingSeed"] = 1L },
            LossRegistry.DescribeEffective("triplet", options));
    }
}
