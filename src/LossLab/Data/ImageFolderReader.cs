using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Data;

/// <summary>
/// Reads an image folder, <c>root/{train,test}/&lt;class&gt;/*.{png,jpg,jpeg}</c>, from a directory or from a
/// <c>.tar.gz</c>/<c>.tgz</c> (or plain <c>.tar</c>) archive of it, possibly wrapped in one top-level folder.
/// Labels index the class folders sorted by name. Images are decoded in parallel with SkiaSharp into
/// one uint8 tensor per split: 3 channels, or 1 when every image is 8-bit grayscale. The decoded result
/// is cached (see <see cref="Read(string, bool)"/>).
/// </summary>
public static class ImageFolderReader
{
    /// <summary>Largest archive member read as an image; guards allocations against corrupt tar headers.</summary>
    private const long MaxImageFileBytes = 64L << 20;

    /// <summary>Reads an image folder or archive.</summary>
    /// <param name="path">A directory, or a (gzipped) tar archive; gzip is recognised by its magic bytes.</param>
    /// <param name="useCache">
    /// Reuse and write the decoded-pixels cache (default <see langword="true"/>): <c>&lt;path&gt;.losslab-cache</c>
    /// next to the source if writable, else under <c>$XDG_CACHE_HOME/losslab</c> or <c>~/.cache/losslab</c>,
    /// keyed by the source's full path, size and modification time (every file's, for a directory).
    /// </param>
    /// <returns>The dataset named <c>folder:&lt;path&gt;</c>, with mean and std computed from the train split.</returns>
    /// <exception cref="DataFormatException">
    /// The path does not exist; the layout, archive or an image is unreadable (the file is named); images differ in size;
    /// or train and test hold different classes.
    /// </exception>
    public static ImageDataset Read(string path, bool useCache = true) => Read(path, useCache, out _);

    /// <summary>As <see cref="Read(string, bool)"/>, also telling whether the cache served the load.</summary>
    internal static ImageDataset Read(string path, bool useCache, out bool fromCache)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        fromCache = false;
        var full = Path.GetFullPath(path);
        var name = DatasetRegistry.FolderPrefix + path;
        IReadOnlyList<ImageSource>? files = null;
        string key;
        if (Directory.Exists(full))
        {
            files = EnumerateDirectory(full, out key);
        }
        else if (File.Exists(full))
        {
            var info = new FileInfo(full);
            key = $"file|{full}|{info.Length}|{info.LastWriteTimeUtc.Ticks}";
        }
        else
        {
            throw new DataFormatException(path, "expected an image folder or a .tar.gz archive of one, found nothing at this path");
        }

        if (useCache && ImageFolderCache.TryLoad(full, key, name) is { } cached)
        {
            fromCache = true;
            return cached;
        }

        files ??= ReadArchiveFile(full);
        var dataset = Build(name, full, files);
        if (useCache)
        {
            ImageFolderCache.TrySave(full, key, dataset);
        }

        return dataset;
    }

    /// <summary>Reads an archive held in a stream, without any cache.</summary>
    /// <param name="displayPath">Name of the archive in error messages.</param>
    /// <param name="archive">Seekable stream of a tar or gzipped tar.</param>
    internal static ImageDataset ReadArchive(string displayPath, Stream archive) =>
        Build(DatasetRegistry.FolderPrefix + displayPath, displayPath, ReadArchiveEntries(displayPath, archive));

    private static ImageDataset Build(string name, string root, IReadOnlyList<ImageSource> files)
    {
        var layout = ImageFolderLayout.Build(root, files);
        var (width, height) = ImageDecoder.ProbeSize(layout.Train[0]);
        var reference = layout.Train[0].DisplayPath;
        foreach (var split in new[] { layout.Train, layout.Test })
        {
            if (3L * width * height * split.Length > int.MaxValue)
            {
                throw new DataFormatException(root, $"expected at most {int.MaxValue} bytes of pixels in one split, found {split.Length} images of {width}×{height}");
            }
        }

        using var scope = torch.NewDisposeScope();
        var trainImages = torch.empty([layout.Train.Length, 3, height, width], ScalarType.Byte);
        var testImages = torch.empty([layout.Test.Length, 3, height, width], ScalarType.Byte);
        var histogram = new long[3 * 256];
        ImageDecoder.DecodeAll(layout.Train, trainImages, reference, histogram, out var trainGray);
        ImageDecoder.DecodeAll(layout.Test, testImages, reference, null, out var testGray);

        // Gray images were decoded with R = G = B: keep one plane.
        var channels = trainGray && testGray ? 1 : 3;
        if (channels == 1)
        {
            trainImages = trainImages.narrow(1, 0, 1).contiguous();
            testImages = testImages.narrow(1, 0, 1).contiguous();
        }

        var (mean, std) = PixelStatistics.FromHistogram(histogram, channels);
        var train = new DatasetSplit(trainImages.MoveToOuterDisposeScope(), torch.tensor(layout.TrainLabels, ScalarType.Int64).MoveToOuterDisposeScope());
        var test = new DatasetSplit(testImages.MoveToOuterDisposeScope(), torch.tensor(layout.TestLabels, ScalarType.Int64).MoveToOuterDisposeScope());
        return new ImageDataset(name, root, layout.ClassNames, train, test, mean, std);
    }

    private static List<ImageSource> EnumerateDirectory(string root, out string key)
    {
        try
        {
            var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = false, AttributesToSkip = 0 };
            var files = new DirectoryInfo(root).EnumerateFiles("*", options)
                .Select(f => (Info: f, Relative: Path.GetRelativePath(root, f.FullName).Replace(Path.DirectorySeparatorChar, '/')))
                .Where(f => ImageFolderLayout.IsImageName(f.Relative))
                .OrderBy(f => f.Relative, StringComparer.Ordinal)
                .ToList();

            // Any added, removed, resized or touched image changes the key.
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            foreach (var (info, relative) in files)
            {
                hash.AppendData(Encoding.UTF8.GetBytes($"{relative}|{info.Length}|{info.LastWriteTimeUtc.Ticks}\n"));
            }

            key = $"dir|{root}|{files.Count}|{Convert.ToHexString(hash.GetHashAndReset())}";
            return files.Select(f => new ImageSource(f.Info.FullName, f.Relative, null, f.Info.FullName)).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException(root, $"expected a readable folder, found: {e.Message}", e);
        }
    }

    private static List<ImageSource> ReadArchiveFile(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
            return ReadArchiveEntries(path, stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DataFormatException(path, $"expected a readable archive, found: {e.Message}", e);
        }
    }

    private static List<ImageSource> ReadArchiveEntries(string path, Stream archive)
    {
        var sources = new List<ImageSource>();
        var magic = new byte[2];
        var isGzip = archive.ReadAtLeast(magic, 2, throwOnEndOfStream: false) == 2 && DataFiles.IsGzip(magic);
        archive.Seek(0, SeekOrigin.Begin);
        try
        {
            using var decompressed = isGzip ? new GZipStream(archive, CompressionMode.Decompress, leaveOpen: true) : null;
            using var tar = new TarReader(decompressed ?? archive, leaveOpen: true);
            while (tar.GetNextEntry(copyData: false) is { } entry)
            {
                var member = entry.Name.Replace('\\', '/');
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile)
                    || !ImageFolderLayout.IsImageName(member))
                {
                    continue;
                }

                var display = $"{path}/{member.TrimStart('.', '/')}";
                if (entry.Length > MaxImageFileBytes)
                {
                    throw new DataFormatException(display, $"expected an image of at most {MaxImageFileBytes} bytes, found {entry.Length}");
                }

                var bytes = new byte[entry.Length];
                entry.DataStream?.ReadExactly(bytes);
                sources.Add(new ImageSource(display, member, bytes, null));
            }
        }
        catch (Exception e) when (DataFiles.IsMalformedInput(e))
        {
            throw new DataFormatException(path, $"expected a tar or gzipped tar archive, found a damaged one: {e.Message}", e);
        }

        return sources;
    }
}
