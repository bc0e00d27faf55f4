using System.Security.Cryptography;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Data;

/// <summary>
/// Binary cache of a decoded image folder, so that only the first load pays for decoding. Kept next to the
/// source (<c>&lt;source&gt;.losslab-cache</c>) when that folder is writable, else under
/// <c>$XDG_CACHE_HOME/losslab</c> or <c>~/.cache/losslab</c>; keyed by the source's path, size and time stamp;
/// written to a temporary file and renamed, so a reader never sees half a cache.
/// </summary>
internal static class ImageFolderCache
{
    private const string Magic = "LOSSLAB-IMAGES";
    private const int Version = 1;
    private const string Extension = ".losslab-cache";

    /// <summary>Candidate cache files for a source, most preferred first.</summary>
    public static string[] Locations(string fullSourcePath)
    {
        var trimmed = Path.TrimEndingDirectorySeparator(fullSourcePath);
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(trimmed)))[..16].ToLowerInvariant();
        var fallback = Path.Combine(UserCacheDirectory(), $"{Path.GetFileName(trimmed)}-{hash}{Extension}");
        return [trimmed + Extension, fallback];
    }

    /// <summary><c>$XDG_CACHE_HOME/losslab</c>, or <c>~/.cache/losslab</c>.</summary>
    public static string UserCacheDirectory()
    {
        var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        var root = string.IsNullOrEmpty(xdg)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache")
            : xdg;
        return Path.Combine(root, "losslab");
    }

    /// <summary>Loads the cached dataset if a cache file with this key exists and is intact.</summary>
    public static ImageDataset? TryLoad(string fullSourcePath, string key, string name)
    {
        foreach (var location in Locations(fullSourcePath))
        {
            if (File.Exists(location) && TryRead(location, key, name, fullSourcePath) is { } dataset)
            {
                return dataset;
            }
        }

        return null;
    }

    /// <summary>Writes the cache; returns where, or <see langword="null"/> when no location was writable.</summary>
    public static string? TrySave(string fullSourcePath, string key, ImageDataset dataset)
    {
        foreach (var location in Locations(fullSourcePath))
        {
            var directory = Path.GetDirectoryName(location)!;
            if (Directory.Exists(directory) && !IsMarkedWritable(directory))
            {
                // Respect a folder marked read-only even when the process could write there (e.g. as root).
                continue;
            }

            var temp = $"{location}.{Guid.NewGuid():N}.tmp";
            try
            {
                Directory.CreateDirectory(directory);
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
                {
                    Write(stream, key, dataset);
                }

                File.Move(temp, location, overwrite: true);
                return location;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not writable here (read-only folder, full disk): try the next location.
                TryDelete(temp);
            }
        }

        return null;
    }

    private static bool IsMarkedWritable(string directory) =>
        OperatingSystem.IsWindows()
            ? !new DirectoryInfo(directory).Attributes.HasFlag(FileAttributes.ReadOnly)
            : (File.GetUnixFileMode(directory) & (UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0;

    private static void Write(FileStream stream, string key, ImageDataset dataset)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(Version);
        writer.Write(key);
        writer.Write(dataset.ClassNames.Count);
        foreach (var className in dataset.ClassNames)
        {
            writer.Write(className);
        }

        writer.Write(dataset.Channels);
        writer.Write(dataset.Height);
        writer.Write(dataset.Width);
        writer.Write(dataset.Train.Count);
        writer.Write(dataset.Test.Count);
        foreach (var value in dataset.Mean.Concat(dataset.Std))
        {
            writer.Write(value);
        }

        writer.Flush();
        stream.Write(dataset.Train.Labels.bytes);
        stream.Write(dataset.Test.Labels.bytes);
        stream.Write(dataset.Train.Images.bytes);
        stream.Write(dataset.Test.Images.bytes);
    }

    private static ImageDataset? TryRead(string location, string key, string name, string source)
    {
        var tensors = new List<Tensor>();
        try
        {
            long pixelsOffset, fileLength;
            string[] classNames;
            float[] stats;
            int channels, height, width, trainCount, testCount;
            Tensor trainLabels, testLabels;
            using (var stream = new FileStream(location, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
            using (var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true))
            {
                if (reader.ReadString() != Magic || reader.ReadInt32() != Version || reader.ReadString() != key)
                {
                    return null;
                }

                var classCount = reader.ReadInt32();
                if (classCount is < 1 or > 1_000_000)
                {
                    return null;
                }

                classNames = new string[classCount];
                for (var i = 0; i < classCount; i++)
                {
                    classNames[i] = reader.ReadString();
                }

                (channels, height, width) = (reader.ReadInt32(), reader.ReadInt32(), reader.ReadInt32());
                (trainCount, testCount) = (reader.ReadInt32(), reader.ReadInt32());
                if (channels is not (1 or 3) || height < 1 || width < 1 || (long)height * width > ImageDecoder.MaxPixels || trainCount < 1 || testCount < 1)
                {
                    return null;
                }

                stats = Enumerable.Range(0, 2 * channels).Select(_ => reader.ReadSingle()).ToArray();
                var imageBytes = (long)channels * height * width;
                fileLength = stream.Length;
                if (fileLength - stream.Position != ((long)trainCount + testCount) * (sizeof(long) + imageBytes))
                {
                    return null;
                }

                trainLabels = ReadTensor(stream, tensors, [trainCount], ScalarType.Int64);
                testLabels = ReadTensor(stream, tensors, [testCount], ScalarType.Int64);
                pixelsOffset = stream.Position;
                if (!InRange(trainLabels, classCount) || !InRange(testLabels, classCount))
                {
                    tensors.ForEach(t => t.Dispose());
                    return null;
                }
            }

            // Map the pixels rather than read them: the load costs no copy, and pages come in from the page
            // cache as batches touch them. The mapping is private, so nothing can write back to the file.
            using var mapped = torch.from_file(location, shared: false, size: fileLength, dtype: ScalarType.Byte);
            var trainPixels = (long)trainCount * channels * height * width;
            var trainImages = mapped.narrow(0, pixelsOffset, trainPixels).view(trainCount, channels, height, width);
            tensors.Add(trainImages);
            var testImages = mapped.narrow(0, pixelsOffset + trainPixels, (long)testCount * channels * height * width).view(testCount, channels, height, width);
            tensors.Add(testImages);
            return new ImageDataset(
                name,
                source,
                classNames,
                new DatasetSplit(trainImages, trainLabels),
                new DatasetSplit(testImages, testLabels),
                stats[..channels],
                stats[channels..]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or ArgumentException or System.Runtime.InteropServices.ExternalException)
        {
            // A damaged or foreign cache is a miss, never an error: the source is decoded again.
            tensors.ForEach(t => t.Dispose());
            return null;
        }
    }

    private static Tensor ReadTensor(FileStream stream, List<Tensor> owned, long[] shape, ScalarType type)
    {
        var tensor = torch.empty(shape, type);
        owned.Add(tensor);
        stream.ReadExactly(tensor.bytes);
        return tensor;
    }

    private static bool InRange(Tensor labels, int classCount)
    {
        using var scope = torch.NewDisposeScope();
        return labels.min().item<long>() >= 0 && labels.max().item<long>() < classCount;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Nothing was written there, or it cannot be removed: nothing more to do.
        }
    }
}
