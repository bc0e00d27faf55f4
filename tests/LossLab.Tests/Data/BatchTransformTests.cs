using LossLab.Data;
using TorchSharp;

namespace LossLab.Tests.Data;

public sealed class BatchTransformTests
{
    [Fact]
    public void Should_ScaleAndNormalisePerChannel_When_NotAugmenting()
    {
        // Given a random (2, 3, 4, 5) uint8 batch and CIFAR-10's constants
        var pixels = DataFixtures.RandomBytes(2 * 3 * 4 * 5, 1);
        using var images = torch.tensor(pixels, [2, 3, 4, 5]);
        float[] mean = [0.4914f, 0.4822f, 0.4465f];
        float[] std = [0.2470f, 0.2435f, 0.2616f];
        var transform = new BatchTransform(mean, std);

        // When
        using var output = transform.Apply(images);

        // Then every value is (x / 255 − mean[c]) / std[c]
        Assert.Equal(torch.ScalarType.Float32, output.dtype);
        Assert.Equal(images.shape, output.shape);
        var values = output.data<float>().ToArray();
        for (var i = 0; i < pixels.Length; i++)
        {
            var c = i / 20 % 3;
            Assert.Equal((pixels[i] / 255.0 - mean[c]) / std[c], values[i], 1e-5);
        }
    }

    [Fact]
    public void Should_MatchNaiveCropAndFlip_When_AugmentingWithSeededRandom()
    {
        // Given a (16, 2, 5, 7) batch, padding 2, and the draws the transform documents (per image: dy, dx, flip)
        const int B = 16, C = 2, H = 5, W = 7, Pad = 2;
        var pixels = DataFixtures.RandomBytes(B * C * H * W, 2);
        for (var i = 0; i < pixels.Length; i++)
        {
            pixels[i] = (byte)Math.Max((int)pixels[i], 1); // zero then means "padding"
        }

        using var images = torch.tensor(pixels, [B, C, H, W]);
        var draws = new Random(9);
        var expected = new byte[pixels.Length];
        var flips = 0;
        for (var b = 0; b < B; b++)
        {
            var (dy, dx, flip) = (draws.Next(2 * Pad + 1), draws.Next(2 * Pad + 1), draws.Next(2) == 1);
            flips += flip ? 1 : 0;
            for (var c = 0; c < C; c++)
            {
                for (var y = 0; y < H; y++)
                {
                    for (var x = 0; x < W; x++)
                    {
                        // Output (y, x) reads padded (dy + y, dx + x') with x' mirrored when flipped.
                        var (sy, sx) = (dy + y - Pad, dx + (flip ? W - 1 - x : x) - Pad);
                        expected[(((b * C) + c) * H + y) * W + x] = sy is >= 0 and < H && sx is >= 0 and < W ? pixels[(((b * C) + c) * H + sy) * W + sx] : (byte)0;
                    }
                }
            }
        }

        // When the batch is augmented with the same seed
        using var output = BatchTransform.Augment(images, new AugmentOptions { Padding = Pad }, new Random(9));

        // Then the result is the naive per-pixel crop and flip, with both flips and zero padding present
        Assert.Equal(expected, output.data<byte>().ToArray());
        Assert.InRange(flips, 1, B - 1);
        Assert.Contains((byte)0, expected);
    }

    [Fact]
    public void Should_KeepPixelsOfPaddedImage_When_CroppingAndFlipping()
    {
        // Given a batch of 32 images and the default augmentation (pad 4, flip)
        var pixels = DataFixtures.RandomBytes(32 * 3 * 8 * 8, 3);
        using var images = torch.tensor(pixels, [32, 3, 8, 8]);

        // When
        using var output = BatchTransform.Augment(images, new AugmentOptions(), new Random(1));
        var result = output.data<byte>().ToArray();

        // Then each output image's pixels are a sub-multiset of its padded source (source pixels plus zeros)
        const int Size = 3 * 8 * 8;
        for (var b = 0; b < 32; b++)
        {
            var available = pixels.Skip(b * Size).Take(Size).GroupBy(v => v).ToDictionary(g => g.Key, g => g.Count());
            foreach (var value in result.Skip(b * Size).Take(Size).Where(v => v != 0))
            {
                Assert.True(available.TryGetValue(value, out var left) && left > 0, $"image {b}: value {value} not in its source");
                available[value] = left - 1;
            }
        }
    }

    [Fact]
    public void Should_OnlyFlipOrNot_When_PaddingIsZero()
    {
        // Given flips only
        var pixels = DataFixtures.RandomBytes(64 * 1 * 3 * 4, 4);
        using var images = torch.tensor(pixels, [64, 1, 3, 4]);

        // When
        using var output = BatchTransform.Augment(images, new AugmentOptions { Padding = 0 }, new Random(2));
        using var mirrored = images.flip(3);

        // Then each image is either unchanged or mirrored, and both occur
        using var same = output.eq(images).all(1).all(1).all(1);
        using var flipped = output.eq(mirrored).all(1).all(1).all(1);
        using var either = same.logical_or(flipped);
        Assert.True(either.all().item<bool>());
        Assert.InRange(flipped.sum().item<long>(), 1, 63);
    }

    [Fact]
    public void Should_BeDeterministicForSeed_When_AugmentingTwice()
    {
        // Given
        var pixels = DataFixtures.RandomBytes(8 * 3 * 6 * 6, 5);
        using var images = torch.tensor(pixels, [8, 3, 6, 6]);
        var transform = new BatchTransform([0.5f, 0.5f, 0.5f], [0.25f, 0.25f, 0.25f], new AugmentOptions());

        // When / Then: the same seed gives the same batch, another seed another batch
        using var a = transform.Apply(images, new Random(11));
        using var b = transform.Apply(images, new Random(11));
        using var c = transform.Apply(images, new Random(12));
        Assert.Equal(a.data<float>().ToArray(), b.data<float>().ToArray());
        Assert.NotEqual(a.data<float>().ToArray(), c.data<float>().ToArray());
    }

    [Fact]
    public void Should_RejectBadArguments_When_Misused()
    {
        using var floats = torch.zeros(1, 3, 4, 4);
        using var bytes = torch.zeros([1, 1, 4, 4], torch.ScalarType.Byte);
        var transform = new BatchTransform([0.5f, 0.5f, 0.5f], [0.2f, 0.2f, 0.2f], new AugmentOptions());
        Assert.Throws<ArgumentException>(() => transform.Apply(floats, new Random(1)));
        Assert.Throws<ArgumentException>(() => transform.Normalize(bytes));
        Assert.Throws<ArgumentNullException>(() => transform.Apply(bytes));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BatchTransform([0.5f], [0f]));
    }
}
