using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Data;

/// <summary>
/// Reads the official binary versions of CIFAR-10 (<c>data_batch_1..5.bin</c>, <c>test_batch.bin</c>)
/// and CIFAR-100 (<c>train.bin</c>, <c>test.bin</c>): fixed-length records of label bytes followed by
/// a 32×32 image stored as three 1024-byte planes (red, green, blue).
/// </summary>
public static class CifarReader
{
    /// <summary>Image side, in pixels.</summary>
    public const int ImageSide = 32;

    /// <summary>Pixel bytes per record (3 planes of 32×32).</summary>
    public const int ImageBytes = 3 * ImageSide * ImageSide;

    /// <summary>Reads and concatenates the records of <paramref name="files"/>.</summary>
    /// <param name="files">Binary batch files, in order.</param>
    /// <param name="kind">Record layout and label set.</param>
    /// <returns>A split with (N, 3, 32, 32) uint8 images and (N) int64 labels.</returns>
    /// <exception cref="DataFormatException">A file is unreadable, not a whole number of records, or holds a label out of range.</exception>
    public static DatasetSplit Read(IReadOnlyList<string> files, CifarLabelKind kind)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentOutOfRangeException.ThrowIfZero(files.Count);
        var recordSize = RecordSize(kind);
        var lengths = files.Select(f => CheckedLength(f, FileLength(f), recordSize)).ToArray();
        var total = lengths.Sum();
        if (total > int.MaxValue)
        {
            throw new DataFormatException(files[0], $"expected at most {int.MaxValue} bytes in one split, found {total}");
        }

        // Read every file straight into one (N, record) tensor, then split labels from pixels with tensor copies.
        var records = torch.empty([total / recordSize, recordSize], ScalarType.Byte);
        try
        {
            var span = records.bytes;
            var offset = 0;
            for (var i = 0; i < files.Count; i++)
            {
                var part = span.Slice(offset, (int)lengths[i]);
                ReadExactly(files[i], part);
                CheckLabels(files[i], part, kind);
                offset += part.Length;
            }

            return Split(records, kind);
        }
        finally
        {
            records.Dispose();
        }
    }

    /// <summary>Reads only the labels of <paramref name="files"/> (for counting), validating them like <see cref="Read"/>.</summary>
    /// <param name="files">Binary batch files, in order.</param>
    /// <param name="kind">Record layout and label set.</param>
    /// <returns>One label per record, in file order.</returns>
    public static long[] ReadLabels(IReadOnlyList<string> files, CifarLabelKind kind)
    {
        ArgumentNullException.ThrowIfNull(files);
        var recordSize = RecordSize(kind);
        var labels = new List<long>();
        var buffer = new byte[recordSize * 1024];
        foreach (var file in files)
        {
            CheckedLength(file, FileLength(file), recordSize);
            try
            {
                using var stream = File.OpenRead(file);
                int read;
                while ((read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false)) > 0)
                {
                    if (read % recordSize != 0)
                    {
                        throw new DataFormatException(file, $"expected a whole number of {recordSize}-byte records, found the file changing while read");
                    }

                    var chunk = buffer.AsSpan(0, read);
                    CheckLabels(file, chunk, kind);
                    for (var r = 0; r < read; r += recordSize)
                    {
                        labels.Add(chunk[r + LabelOffset(kind)]);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new DataFormatException(file, $"expected a readable file, found: {e.Message}", e);
            }
        }

        return labels.ToArray();
    }

    /// <summary>
    /// Class names from a names file (<c>batches.meta.txt</c>, <c>fine_label_names.txt</c>,
    /// <c>coarse_label_names.txt</c>: one name a line, blank lines ignored), or "0", "1", … when it is absent.
    /// </summary>
    /// <param name="namesFile">The names file, or <see langword="null"/>.</param>
    /// <param name="numClasses">Number of classes the file must list.</param>
    public static IReadOnlyList<string> ReadClassNames(string? namesFile, int numClasses)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numClasses, 1);
        if (namesFile is null || !File.Exists(namesFile))
        {
            return Enumerable.Range(0, numClasses).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        }

        string[] names;
        try
        {
            names = File.ReadAllLines(namesFile).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException(namesFile, $"expected a readable file, found: {e.Message}", e);
        }

        if (names.Length != numClasses)
        {
            throw new DataFormatException(namesFile, $"expected {numClasses} class names, found {names.Length}");
        }

        return names;
    }

    /// <summary>Number of classes of a label set (10, 100 or 20).</summary>
    public static int NumClasses(CifarLabelKind kind) => kind switch
    {
        CifarLabelKind.Cifar10 => 10,
        CifarLabelKind.Cifar100Fine => 100,
        CifarLabelKind.Cifar100Coarse => 20,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown CIFAR label kind"),
    };

    /// <summary>Bytes per record: label bytes plus <see cref="ImageBytes"/>.</summary>
    public static int RecordSize(CifarLabelKind kind) => LabelBytes(kind) + ImageBytes;

    /// <summary>Validates and decodes the bytes of one file already in memory.</summary>
    internal static DatasetSplit Parse(string path, byte[] bytes, CifarLabelKind kind)
    {
        var recordSize = RecordSize(kind);
        CheckedLength(path, bytes.Length, recordSize);
        CheckLabels(path, bytes, kind);
        using var records = torch.empty([bytes.Length / recordSize, recordSize], ScalarType.Byte);
        bytes.CopyTo(records.bytes);
        return Split(records, kind);
    }

    private static int LabelBytes(CifarLabelKind kind) => kind == CifarLabelKind.Cifar10 ? 1 : 2;

    // CIFAR-100 records are (coarse, fine, pixels).
    private static int LabelOffset(CifarLabelKind kind) => kind == CifarLabelKind.Cifar100Fine ? 1 : 0;

    private static DatasetSplit Split(Tensor records, CifarLabelKind kind)
    {
        using var scope = torch.NewDisposeScope();
        var n = records.shape[0];
        var labelBytes = LabelBytes(kind);
        var images = records.narrow(1, labelBytes, ImageBytes).reshape(n, 3, ImageSide, ImageSide).contiguous();
        var labels = records.select(1, LabelOffset(kind)).to(ScalarType.Int64);
        return new DatasetSplit(images.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope());
    }

    private static long FileLength(string path)
    {
        try
        {
            return new FileInfo(path).Length;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException(path, $"expected a readable file, found: {e.Message}", e);
        }
    }

    private static long CheckedLength(string path, long length, int recordSize)
    {
        if (length == 0 || length % recordSize != 0)
        {
            throw new DataFormatException(path, $"expected a whole, non-zero number of {recordSize}-byte records (1 image = {recordSize - ImageBytes} label byte(s) + {ImageBytes} pixels), found {length} bytes");
        }

        return length;
    }

    private static void ReadExactly(string path, Span<byte> destination)
    {
        try
        {
            using var stream = File.OpenRead(path);
            stream.ReadExactly(destination);
            if (stream.ReadByte() != -1)
            {
                throw new DataFormatException(path, $"expected {destination.Length} bytes, found the file growing while read");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException(path, $"expected {destination.Length} readable bytes, found: {e.Message}", e);
        }
    }

    private static void CheckLabels(string path, ReadOnlySpan<byte> records, CifarLabelKind kind)
    {
        var recordSize = RecordSize(kind);
        for (var r = 0; r < records.Length; r += recordSize)
        {
            if (kind == CifarLabelKind.Cifar10)
            {
                CheckLabel(path, r / recordSize, "label", records[r], 10);
            }
            else
            {
                CheckLabel(path, r / recordSize, "coarse label", records[r], 20);
                CheckLabel(path, r / recordSize, "fine label", records[r + 1], 100);
            }
        }
    }

    private static void CheckLabel(string path, int record, string what, byte label, int numClasses)
    {
        if (label >= numClasses)
        {
            throw new DataFormatException(path, $"record {record}: expected a {what} in 0..{numClasses - 1}, found {label}");
        }
    }
}
