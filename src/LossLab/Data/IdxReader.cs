using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Data;

/// <summary>
/// Reads Fashion-MNIST's IDX files (raw or gzip, recognised by the gzip magic rather than the extension):
/// idx3 images of 28×28 uint8 pixels and idx1 labels 0..9.
/// </summary>
public static class IdxReader
{
    /// <summary>Magic number of an idx3 unsigned-byte file (images).</summary>
    public const uint ImagesMagic = 0x00000803;

    /// <summary>Magic number of an idx1 unsigned-byte file (labels).</summary>
    public const uint LabelsMagic = 0x00000801;

    /// <summary>Image side, in pixels, that Fashion-MNIST uses.</summary>
    public const int ImageSide = 28;

    private const int ImagesHeader = 16;
    private const int LabelsHeader = 8;

    /// <summary>Reads an images file.</summary>
    /// <param name="path">idx3 file, raw or gzip.</param>
    /// <returns>(N, 1, 28, 28) uint8 pixels.</returns>
    /// <exception cref="DataFormatException">The file is unreadable or not a 28×28 idx3 file of the size its header announces.</exception>
    public static Tensor ReadImages(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return ParseImages(path, DataFiles.ReadMaybeGzip(path));
    }

    /// <summary>Reads a labels file.</summary>
    /// <param name="path">idx1 file, raw or gzip.</param>
    /// <param name="numClasses">Labels must lie in 0..numClasses-1 (default 10).</param>
    /// <returns>(N) int64 labels.</returns>
    /// <exception cref="DataFormatException">The file is unreadable, malformed, or holds a label out of range.</exception>
    public static Tensor ReadLabels(string path, int numClasses = 10)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        return torch.tensor(ParseLabels(path, DataFiles.ReadMaybeGzip(path), numClasses), ScalarType.Int64);
    }

    /// <summary>Reads one split from its images and labels files, checking that their counts agree.</summary>
    /// <param name="imagesPath">idx3 file, raw or gzip.</param>
    /// <param name="labelsPath">idx1 file, raw or gzip.</param>
    /// <param name="numClasses">Labels must lie in 0..numClasses-1 (default 10).</param>
    public static DatasetSplit ReadSplit(string imagesPath, string labelsPath, int numClasses = 10)
    {
        ArgumentNullException.ThrowIfNull(imagesPath);
        ArgumentNullException.ThrowIfNull(labelsPath);
        var labels = ReadLabels(labelsPath, numClasses);
        Tensor images;
        try
        {
            images = ReadImages(imagesPath);
        }
        catch
        {
            labels.Dispose();
            throw;
        }

        if (images.shape[0] != labels.shape[0])
        {
            var found = labels.shape[0];
            var expected = images.shape[0];
            images.Dispose();
            labels.Dispose();
            throw new DataFormatException(labelsPath, $"expected {expected} labels, one per image of {imagesPath}, found {found}");
        }

        return new DatasetSplit(images, labels);
    }

    /// <summary>Validates and decodes the (already gunzipped) bytes of an images file.</summary>
    internal static Tensor ParseImages(string path, byte[] bytes)
    {
        if (bytes.Length < ImagesHeader)
        {
            throw new DataFormatException(path, $"expected an idx3 header of {ImagesHeader} bytes, found a file of {bytes.Length} bytes");
        }

        CheckMagic(path, bytes, ImagesMagic, "idx3 images");
        var count = DataFiles.ReadUInt32BigEndian(bytes, 4);
        var rows = DataFiles.ReadUInt32BigEndian(bytes, 8);
        var cols = DataFiles.ReadUInt32BigEndian(bytes, 12);
        if (rows != ImageSide || cols != ImageSide)
        {
            throw new DataFormatException(path, $"expected {ImageSide}×{ImageSide} images, found {rows}×{cols}");
        }

        var expectedLength = ImagesHeader + ((long)count * ImageSide * ImageSide);
        if (bytes.Length != expectedLength)
        {
            throw new DataFormatException(path, $"expected {expectedLength} bytes for {count} images of {ImageSide}×{ImageSide}, found {bytes.Length}");
        }

        var images = torch.empty([count, 1, ImageSide, ImageSide], ScalarType.Byte);
        bytes.AsSpan(ImagesHeader).CopyTo(images.bytes);
        return images;
    }

    /// <summary>Validates and decodes the (already gunzipped) bytes of a labels file.</summary>
    internal static long[] ParseLabels(string path, byte[] bytes, int numClasses)
    {
        if (bytes.Length < LabelsHeader)
        {
            throw new DataFormatException(path, $"expected an idx1 header of {LabelsHeader} bytes, found a file of {bytes.Length} bytes");
        }

        CheckMagic(path, bytes, LabelsMagic, "idx1 labels");
        var count = DataFiles.ReadUInt32BigEndian(bytes, 4);
        if (bytes.Length != LabelsHeader + (long)count)
        {
            throw new DataFormatException(path, $"expected {LabelsHeader + (long)count} bytes for {count} labels, found {bytes.Length}");
        }

        var labels = new long[count];
        for (var i = 0; i < labels.Length; i++)
        {
            var label = bytes[LabelsHeader + i];
            if (label >= numClasses)
            {
                throw new DataFormatException(path, $"label {i}: expected 0..{numClasses - 1}, found {label}");
            }

            labels[i] = label;
        }

        return labels;
    }

    private static void CheckMagic(string path, byte[] bytes, uint expected, string kind)
    {
        var magic = DataFiles.ReadUInt32BigEndian(bytes, 0);
        if (magic != expected)
        {
            throw new DataFormatException(path, $"expected magic 0x{expected:X8} ({kind}), found 0x{magic:X8}");
        }
    }
}
