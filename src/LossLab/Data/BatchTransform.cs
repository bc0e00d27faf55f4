using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Data;

/// <summary>
/// Turns a uint8 batch into model input: optional augmentation (<see cref="AugmentOptions"/>), independently per
/// image but with whole-batch tensor operations, then scaling to [0, 1] and per-channel normalisation
/// <c>(x / 255 − mean) / std</c>.
/// </summary>
public sealed class BatchTransform
{
    private readonly float[] _scale;
    private readonly float[] _shift;

    /// <summary>Creates the transform.</summary>
    /// <param name="mean">Per-channel mean on the [0, 1] scale.</param>
    /// <param name="std">Per-channel standard deviation on the [0, 1] scale (positive).</param>
    /// <param name="augment">Augmentation for training batches, or <see langword="null"/> (default) for none.</param>
    public BatchTransform(IReadOnlyList<float> mean, IReadOnlyList<float> std, AugmentOptions? augment = null)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(std);
        if (mean.Count == 0 || mean.Count != std.Count)
        {
            throw new ArgumentException($"mean and std need one value per channel, got {mean.Count} and {std.Count}", nameof(std));
        }

        if (std.Any(s => !(s > 0)))
        {
            throw new ArgumentOutOfRangeException(nameof(std), "every std must be positive");
        }

        if (augment is not null)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(augment.Padding, nameof(augment));
        }

        // (x / 255 − m) / s = x · 1/(255 s) − m/s: one multiply and one subtract per pixel.
        _scale = std.Select(s => 1f / (255f * s)).ToArray();
        _shift = mean.Zip(std, (m, s) => m / s).ToArray();
        Mean = mean.ToArray();
        Std = std.ToArray();
        Augmentation = augment;
    }

    /// <summary>Per-channel mean on the [0, 1] scale.</summary>
    public IReadOnlyList<float> Mean { get; }

    /// <summary>Per-channel standard deviation on the [0, 1] scale.</summary>
    public IReadOnlyList<float> Std { get; }

    /// <summary>The augmentation applied by <see cref="Apply"/>, or <see langword="null"/>.</summary>
    public AugmentOptions? Augmentation { get; }

    /// <summary>Augments (if configured) and normalises a batch.</summary>
    /// <param name="images">(B, C, H, W) uint8, on any device.</param>
    /// <param name="random">Source of the augmentation's randomness; required when augmenting.</param>
    /// <returns>(B, C, H, W) float32 on the device of <paramref name="images"/>; the caller owns it.</returns>
    public Tensor Apply(Tensor images, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var scope = torch.NewDisposeScope();
        var input = images;
        if (Augmentation is not null)
        {
            ArgumentNullException.ThrowIfNull(random);
            input = Augment(images, Augmentation, random);
        }

        return Normalize(input).MoveToOuterDisposeScope();
    }

    /// <summary>Scales to [0, 1] and normalises per channel, without augmentation.</summary>
    /// <param name="images">(B, C, H, W) uint8 with C equal to the number of mean values.</param>
    /// <returns>(B, C, H, W) float32; the caller owns it.</returns>
    public Tensor Normalize(Tensor images)
    {
        CheckBatch(images);
        if (images.shape[1] != _scale.Length)
        {
            throw new ArgumentException($"images have {images.shape[1]} channels, the normalisation {_scale.Length}", nameof(images));
        }

        using var scope = torch.NewDisposeScope();
        var shape = new long[] { 1, _scale.Length, 1, 1 };
        var scale = torch.tensor(_scale, device: images.device).view(shape);
        var shift = torch.tensor(_shift, device: images.device).view(shape);
        return images.to(ScalarType.Float32).mul_(scale).sub_(shift).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Pads every image with zeros, crops a random H×W window and flips it left-right with probability 0.5,
    /// independently per image, as one gather over the padded batch.
    /// </summary>
    /// <param name="images">(B, C, H, W) uint8.</param>
    /// <param name="options">Padding and flip settings.</param>
    /// <param name="random">Draws, per image in order: vertical offset, horizontal offset, flip.</param>
    /// <returns>(B, C, H, W) uint8 on the same device; the caller owns it.</returns>
    public static Tensor Augment(Tensor images, AugmentOptions options, Random random)
    {
        CheckBatch(images);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Padding, nameof(options));
        var (b, c, h, w) = ((int)images.shape[0], images.shape[1], images.shape[2], images.shape[3]);
        var pad = options.Padding;
        var dy = new long[b];
        var dx = new long[b];
        var flip = new bool[b];
        for (var i = 0; i < b; i++)
        {
            dy[i] = random.Next(2 * pad + 1);
            dx[i] = random.Next(2 * pad + 1);
            flip[i] = options.HorizontalFlip && random.Next(2) == 1;
        }

        using var scope = torch.NewDisposeScope();
        var device = images.device;
        var padded = pad > 0 ? nn.functional.pad(images, [pad, pad, pad, pad]) : images;
        var paddedWidth = w + (2 * pad);

        // Source pixel of output (i, j) in image n: row dy[n] + i, column dx[n] + (flipped ? W−1−j : j).
        var rows = torch.tensor(dy, device: device).view(b, 1) + torch.arange(h, ScalarType.Int64, device).view(1, h);
        var columns = torch.arange(w, ScalarType.Int64, device).view(1, w);
        var mirrored = (w - 1) - columns;
        var flipMask = torch.tensor(flip, device: device).view(b, 1);
        var sourceColumns = torch.tensor(dx, device: device).view(b, 1) + torch.where(flipMask, mirrored, columns);
        var index = (rows.view(b, h, 1) * paddedWidth + sourceColumns.view(b, 1, w)).view(b, 1, h * w).expand(b, c, h * w);
        var result = padded.reshape(b, c, -1).gather(2, index).view(b, c, h, w);
        return result.MoveToOuterDisposeScope();
    }

    private static void CheckBatch(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.dim() != 4 || images.dtype != ScalarType.Byte)
        {
            throw new ArgumentException($"expected a (B, C, H, W) uint8 batch, got {images.dtype} of shape [{string.Join(", ", images.shape)}]", nameof(images));
        }
    }
}
