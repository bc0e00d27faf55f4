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

        // Then they are the eight losses of SPEC §2, in order, then the logit-adjusted loss
        Assert.Equal(["ce", "improved", "focal", "triplet", "margin", "proxynca", "npair", "contrastive", "logit-adjusted"], names);
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
    [InlineData("logit-adjusted", typeof(LogitAdjustedLoss), LossInput.Logits)]
    public void Should_BuildWorkingLoss_When_NameIsRegistered(string name, Type type, LossInput input)
    {
        // Given the loss's default options, 8 classes of 4 training images and 16-wide embeddings
        using var scope = NewDisposeScope();
        torch.manual_seed(40);
        var definition = LossRegistry.Find(name);
        using var loss = LossRegistry.Create(definition.Defaults, new LossContext(8, 16, Enumerable.Repeat(4L, 8).ToArray()));
        var x = torch.randn(32, input == LossInput.Logits ? 8 : 16).requires_grad_();
        var labels = torch.arange(8).repeat(4);

        // When the loss is computed and differentiated
        var value = loss.forward(x, labels);
        var grad = torch.autograd.grad([value], [x])[0];

        // Then it is the right type, consumes the right input, and gives a finite scalar and gradient
        Assert.IsType(type, loss);
        Assert.Equal(name.ToLowerInvariant(), definition.Name);
        Assert.Same(definition, LossRegistry.Of(definition.Defaults));
        Assert.Equal(input, loss.Input);
        Assert.Equal(input == LossInput.Embedding, loss.NeedsPkBatches);
        Assert.Equal(0, value.dim());
        Assert.True(float.IsFinite(value.item<float>()) && grad.isfinite().all().item<bool>());
    }

    [Fact]
    public void Should_ListValidNames_When_NameIsUnknown()
    {
        // Given / When an unknown name
        var error = Assert.Throws<ArgumentException>(() => LossRegistry.Find("arcface"));

        // Then the message lists the valid names
        Assert.Contains("arcface", error.Message);
        Assert.Contains("ce, improved, focal, triplet, margin, proxynca, npair, contrastive", error.Message);
    }

    [Theory]
    [InlineData("improved", "beta", "Beta")]
    [InlineData("improved", "gamma", "Gamma")]
    [InlineData("focal", "gamma", "Gamma")]
    [InlineData("ce", "label-smoothing", "LabelSmoothing")]
    [InlineData("triplet", "margin", "Margin")]
    [InlineData("contrastive", "margin", "Margin")]
    [InlineData("margin", "margin", "Alpha")]
    [InlineData("margin", "margin-beta", "InitialBeta")]
    [InlineData("margin", "margin-beta-lr", "BetaLearningRate")]
    [InlineData("proxynca", "proxy-lr-mult", "ProxyLrMultiplier")]
    [InlineData("npair", "npair-l2", "L2Weight")]
    public void Should_NameTheOption_When_ValueIsOutOfRange(string name, string key, string property)
    {
        // Given a value out of the option's range: negative, 1 for label smoothing, 0 for the strictly positive ones
        var definition = LossRegistry.Find(name);
        var value = key switch { "label-smoothing" => 1.0, "beta" or "margin-beta-lr" or "proxy-lr-mult" => 0.0, _ => -0.5 };
        var option = definition.Option(key)!;

        // When it is set by key (as the command line does) or on the record (as code does)
        var byKey = Assert.Throws<ArgumentOutOfRangeException>(() => definition.With(definition.Defaults, key, value.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var byProperty = Assert.ThrowsAny<ArgumentException>(() => SetProperty(definition.Defaults, property, value));

        // Then setting it fails naming the key, or the property, and the option is that property
        Assert.Equal(key, byKey.ParamName);
        Assert.Equal(value, byKey.ActualValue);
        Assert.Equal(property, byProperty.ParamName);
        Assert.Equal(property, option.PropertyName);
    }

    [Fact]
    public void Should_RejectBadAlphaMiningAndNaN_When_SettingOrCreating()
    {
        // Given a context of 3 classes
        var context = new LossContext(3, 8, [10, 5, 1]);

        // When / Then alpha of the wrong length or negative, an unknown mining, NaN and a one-class proxy-NCA are rejected
        Assert.Equal("alpha", Assert.Throws<ArgumentException>(() => LossRegistry.Create(new ImprovedLossOptions { Alpha = ClassWeights.Of(1, 2) }, context)).ParamName);
        Assert.Equal("alpha", Assert.Throws<ArgumentOutOfRangeException>(() => LossRegistry.Find("focal").With(new FocalLossOptions(), "alpha", "1,-2,1")).ParamName);
        Assert.Equal("mining", Assert.Throws<ArgumentException>(() => LossRegistry.Find("triplet").With(new TripletLossOptions(), "mining", "hard")).ParamName);
        Assert.Equal("Mining", Assert.Throws<ArgumentOutOfRangeException>(() => new TripletLossOptions { Mining = (TripletMining)7 }).ParamName);
        Assert.Equal("Beta", Assert.Throws<ArgumentOutOfRangeException>(() => new ImprovedLossOptions { Beta = double.NaN }).ParamName);
        Assert.Equal("beta", Assert.Throws<ArgumentOutOfRangeException>(() => LossRegistry.Find("improved").With(new ImprovedLossOptions(), "beta", "NaN")).ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => LossRegistry.Create(new ProxyNcaLossOptions(), new LossContext(1, 8)));
    }

    [Fact]
    public void Should_ApplyOverrides_When_OptionsAreSet()
    {
        // Given options of every loss with values other than the defaults
        var context = new LossContext(10, 16);

        // When the losses are built
        using var improved = (ImprovedLoss)LossRegistry.Create(new ImprovedLossOptions { Beta = 2, Gamma = 10 }, context);
        using var focal = (FocalLoss)LossRegistry.Create(new FocalLossOptions { Gamma = 10 }, context);
        using var triplet = (TripletLoss)LossRegistry.Create(new TripletLossOptions { Margin = 0.5, Mining = TripletMining.BatchHard, SamplingSeed = 7 }, context);
        using var margin = (MarginLoss)LossRegistry.Create(
            new MarginLossOptions { Alpha = 0.1, InitialBeta = 1.0, BetaLearningRate = 1e-3, DistanceCutoff = true, SamplingSeed = 7 }, context);
        using var proxy = (ProxyNcaLoss)LossRegistry.Create(new ProxyNcaLossOptions { ProxyLrMultiplier = 10 }, context);
        using var npair = (NPairLoss)LossRegistry.Create(new NPairLossOptions { L2Weight = 0.02, SamplingSeed = 7 }, context);
        using var contrastive = (ContrastiveLoss)LossRegistry.Create(new ContrastiveLossOptions { Margin = 0.5 }, context);
        using var ce = (CrossEntropyLoss)LossRegistry.Create(new CrossEntropyLossOptions { LabelSmoothing = 0.1 }, context);

        // Then each module runs with its record's values
        Assert.Equal((2.0, 10.0), (improved.Beta, improved.Gamma));
        Assert.Equal(10.0, focal.Gamma);
        Assert.Equal((0.5, TripletMining.BatchHard), (triplet.Margin, triplet.Mining));
        Assert.Equal((0.1, 1.0, 1e-3, true), (margin.Alpha, margin.InitialBeta, margin.BetaLearningRate, margin.DistanceCutoff));
        Assert.Equal(1.0f, margin.Beta[3].item<float>());
        Assert.Equal(10.0, proxy.LrMultiplier);
        Assert.Equal(0.02, npair.L2Weight);
        Assert.Equal(0.5, contrastive.Margin);
        Assert.Equal(0.1, ce.LabelSmoothing);
    }

    [Fact]
    public void Should_DescribeDefaults_When_NoOptionIsSet()
    {
        // Given / When the options of every loss with their defaults, as text
        IReadOnlyDictionary<string, string?> Describe(string name) => LossRegistry.Find(name).Options.ToDictionary(o => o.Key, o => o.Default);

        // Then they are the defaults of SPEC §1–2
        Assert.Equal(new Dictionary<string, string?> { ["label-smoothing"] = "0" }, Describe("ce"));
        Assert.Equal(new Dictionary<string, string?> { ["beta"] = "4", ["gamma"] = "5", ["alpha"] = null }, Describe("improved"));
        Assert.Equal(new Dictionary<string, string?> { ["gamma"] = "2", ["alpha"] = null }, Describe("focal"));
        Assert.Equal(new Dictionary<string, string?> { ["margin"] = "0.2", ["mining"] = "semi-hard" }, Describe("triplet"));
        Assert.Equal(
            new Dictionary<string, string?> { ["margin"] = "0.2", ["margin-beta"] = "1.2", ["margin-beta-lr"] = "0.0005", ["distance-cutoff"] = "false" },
            Describe("margin"));
        Assert.Equal(new Dictionary<string, string?> { ["proxy-lr-mult"] = "50" }, Describe("proxynca"));
        Assert.Equal(new Dictionary<string, string?> { ["npair-l2"] = "0.005" }, Describe("npair"));
        Assert.Equal(new Dictionary<string, string?> { ["margin"] = "1" }, Describe("contrastive"));
        Assert.Equal(new Dictionary<string, string?> { ["tau"] = "1" }, Describe("logit-adjusted"));
    }

    [Fact]
    public void Should_GiveEachLossOnlyItsOwnOptions_When_KeysAreShared()
    {
        // Given the keys of several losses
        string[] Keys(string name) => LossRegistry.Find(name).Options.Select(o => o.Key).ToArray();

        // When / Then each loss has exactly its options; margin is shared by three losses, gamma and alpha by two
        Assert.Equal(["beta", "gamma", "alpha"], Keys("improved"));
        Assert.Equal(["margin", "mining"], Keys("triplet"));
        Assert.Equal(["npair-l2"], Keys("npair"));
        Assert.Equal(
            ["label-smoothing", "beta", "gamma", "alpha", "margin", "mining", "margin-beta", "margin-beta-lr", "distance-cutoff", "proxy-lr-mult", "npair-l2", "tau"],
            LossRegistry.OptionKeys);
        var error = Assert.Throws<ArgumentException>(() => LossRegistry.Find("triplet").With(new TripletLossOptions(), "beta", "4"));
        Assert.Equal("beta", error.ParamName);
        Assert.Contains("loss 'triplet' has no option 'beta'; its options: margin, mining", error.Message);
    }

    [Fact]
    public void Should_SetTheSharedKeysProperty_When_MarginIsGivenToEachLoss()
    {
        // Given the margin key of the three losses that have it
        LossOptions Set(string name) => LossRegistry.Find(name).With(LossRegistry.Find(name).Defaults, "margin", "0.35");

        // When / Then it is the margin of triplet and contrastive and α of the margin loss
        Assert.Equal(0.35, ((TripletLossOptions)Set("triplet")).Margin);
        Assert.Equal(0.35, ((ContrastiveLossOptions)Set("contrastive")).Margin);
        Assert.Equal(0.35, ((MarginLossOptions)Set("margin")).Alpha);
        Assert.Equal(["semi-hard", "batch-hard"], LossRegistry.Find("triplet").Option("mining")!.Choices);
    }

    private static void SetProperty(LossOptions options, string property, double value)
    {
        // An init accessor runs through reflection as it does in an object initializer.
        try
        {
            options.GetType().GetProperty(property)!.SetValue(options with { }, value);
        }
        catch (System.Reflection.TargetInvocationException e) when (e.InnerException is not null)
        {
            throw e.InnerException;
        }
    }
}
