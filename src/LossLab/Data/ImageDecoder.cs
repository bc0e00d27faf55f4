using SkiaSharp;
using static TorchSharp.torch;

namespace LossLab.Data;

/// <summary>
/// Decodes PNG/JPEG files with SkiaSharp, in parallel, into one preallocated planar (N, 3, H, W) uint8 tensor.
/// </summary>
internal static class ImageDecoder
{
    /// <summary>Largest image accepted, in pixels; guards allocations against corrupt headers.</summary>
    public const int MaxPixels = 4096 * 4096;

    private const string EmptyFile = "expected a PNG or JPEG image, found an empty file";
    private const string Unrecognised = "expected a PNG or JPEG image, found bytes no decoder recognises";

    /// <summary>Reads the size of one image without decoding its pixels.</summary>
    /// <exception cref="DataFormatException">The image is unreadable or larger than <see cref="MaxPixels"/>.</exception>
    public static (int Width, int Height) ProbeSize(ImageSource source)
    {
        byte[] bytes;
        try
        {
            bytes = source.ReadBytes();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException(source.DisplayPath, $"expected a readable file, found: {e.Message}", e);
        }

        if (bytes.Length == 0)
        {
            throw new DataFormatException(source.DisplayPath, EmptyFile);
        }

        // The data outlives the codec that reads it (disposal runs in reverse order).
        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data) ?? throw new DataFormatException(source.DisplayPath, Unrecognised);
        var info = codec.Info;
        if (info.Width <= 0 || info.Height <= 0 || (long)info.Width * info.Height > MaxPixels)
        {
            throw new DataFormatException(source.DisplayPath, $"expected an image of at most {MaxPixels} pixels, found {info.Width}×{info.Height}");
        }

        return (info.Width, info.Height);
    }

    /// <summary>Decodes every source into planar RGB, in parallel, straight into the memory of <paramref name="destination"/>.</summary>
    /// <param name="sources">Images to decode.</param>
    /// <param name="destination">(N, 3, H, W) uint8 contiguous CPU tensor; fixes the size every image must have.</param>
    /// <param name="sizeReference">The image that fixed the size, named when another differs.</param>
    /// <param name="histogram">If given, 3 × 256 counts (channel-major) to which every decoded pixel value is added.</param>
    /// <param name="allGray">Whether every image decoded as 8-bit grayscale.</param>
    /// <exception cref="DataFormatException">An image is unreadable or has another size (the first such image in order is named).</exception>
    public static void DecodeAll(IReadOnlyList<ImageSource> sources, Tensor destination, string sizeReference, long[]? histogram, out bool allGray)
    {
        var (height, width) = ((int)destination.shape[2], (int)destination.shape[3]);
        var imageBytes = 3 * height * width;
        var firstFailure = int.MaxValue;
        string? failure = null;
        var colorImages = 0;
        var gate = new object();
        // A handful of images is decoded faster on one thread than handed out to the pool.
        var options = new ParallelOptions { MaxDegreeOfParallelism = sources.Count < 64 ? 1 : -1 };
        Parallel.For(
            0,
            sources.Count,
            options,
            () => (Rgba: new byte[imageBytes / 3 * 4], Histogram: histogram is null ? null : new long[3 * 256]),
            (i, _, local) =>
            {
                // The span is taken per image: spans cannot be captured, and reading the data pointer is thread-safe.
                var planes = destination.bytes.Slice(i * imageBytes, imageBytes);
                string? error;
                bool gray;
                try
                {
                    error = DecodeOne(sources[i], width, height, sizeReference, local.Rgba, planes, out gray);
                }
                catch (Exception e) when (DataFiles.IsMalformedInput(e))
                {
                    (error, gray) = ($"expected a decodable image, found: {e.Message}", false);
                }

                if (error is not null)
                {
                    lock (gate)
                    {
                        if (i < firstFailure)
                        {
                            firstFailure = i;
                            failure = error;
                        }
                    }

                    return local;
                }

                if (!gray)
                {
                    Interlocked.Increment(ref colorImages);
                }

                if (local.Histogram is { } counts)
                {
                    var plane = imageBytes / 3;
                    for (var c = 0; c < 3; c++)
                    {
                        foreach (var value in planes.Slice(c * plane, plane))
                        {
                            counts[(c * 256) + value]++;
                        }
                    }
                }

                return local;
            },
            local =>
            {
                if (local.Histogram is { } counts)
                {
                    lock (gate)
                    {
                        for (var k = 0; k < counts.Length; k++)
                        {
                            histogram![k] += counts[k];
                        }
                    }
                }
            });

        if (failure is not null)
        {
            throw new DataFormatException(sources[firstFailure].DisplayPath, failure);
        }

        allGray = colorImages == 0;
    }

    private static string? DecodeOne(ImageSource source, int width, int height, string sizeReference, byte[] rgba, Span<byte> planes, out bool gray)
    {
        gray = false;
        byte[] bytes;
        try
        {
            bytes = source.ReadBytes();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"expected a readable file, found: {e.Message}";
        }

        if (bytes.Length == 0)
        {
            return EmptyFile;
        }

        using var data = SKData.CreateCopy(bytes);
        using var codec = SKCodec.Create(data);
        if (codec is null)
        {
            return Unrecognised;
        }

        var info = codec.Info;
        if (info.Width != width || info.Height != height)
        {
            return $"expected {width}×{height} pixels like {sizeReference}, found {info.Width}×{info.Height}";
        }

        gray = info.ColorType == SKColorType.Gray8;
        var result = codec.GetPixels(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Unpremul), rgba);
        if (result != SKCodecResult.Success)
        {
            return $"expected a decodable image, found a decoder error ({result})";
        }

        // Interleaved RGBA → planar RGB (alpha dropped).
        var plane = width * height;
        var red = planes[..plane];
        var green = planes.Slice(plane, plane);
        var blue = planes.Slice(2 * plane, plane);
        for (var p = 0; p < plane; p++)
        {
            red[p] = rgba[4 * p];
            green[p] = rgba[(4 * p) + 1];
            blue[p] = rgba[(4 * p) + 2];
        }

        return null;
    }
}
