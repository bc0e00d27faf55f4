using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Tests.Models;

/// <summary>
/// A shape for which libtorch 2.10's oneDNN AVX-512 convolution returned NaN from finite input on this project's
/// AVX-512 machine (GoogLeNet's inception4b, 3×3 from 24 to 64 channels); <see cref="LossLab.Hosting.NativeDefaults"/>
/// limits oneDNN to AVX2, which the test suite applies as the CLI does.
/// </summary>
public sealed class ConvolutionRegressionTests
{
    [Fact]
    public void Should_StayFinite_When_ConvolvingTwentyFourChannelsRepeatedly()
    {
        // Given the convolution and a finite batch, with NaN-filled memory freed before each call
        torch.manual_seed(1);
        using var conv = nn.Conv2d(24, 64, 3, padding: 1, bias: false);
        using var x = torch.randn(4, 24, 16, 16);
        var nonFinite = 0;

        // When it runs 200 times
        for (var i = 0; i < 200; i++)
        {
            for (var k = 0; k < 4; k++)
            {
                using var junk = torch.full([(1L << 14) << k], float.NaN);
            }

            using var noGrad = torch.no_grad();
            using var y = conv.forward(x);
            nonFinite += y.isfinite().all().item<bool>() ? 0 : 1;
        }

        // Then every output is finite
        Assert.Equal(0, nonFinite);
    }
}
