using LossLab.Data;
using SkiaSharp;

namespace LossLab.Tests.Data;

public sealed class ImageFolderReaderTests
{
    private const int Width = 8;
    private const int Height = 6;

    [Fact]
    public void Should_ReadExactPixelsSortedClassesAndStatistics_When_FolderHoldsPngs()
    {
        // Given train/{zebra,ant} and test/{zebra,ant} with random 8×6 PNGs
        using var dir = new TempFolder();
        var (files, expected) = ColorTree(seed: 1);
        DataFixtures.WriteTree(dir.Path, files);

        // When the folder is read without cache
        using var dataset = ImageFolderReader.Read(dir.Path, useCache: false);

        // Then classes are sorted, images come class by class, pixels are exact
        Assert.Equal(["ant", "zebra"], dataset.ClassNames);
        Assert.Equal($"folder:{dir.Path}", dataset.Name);
        Assert.Equal(new long[] { 3, 3, Height, Width }, dataset.Train.Images.shape);
        Assert.Equal(new long[] { 0, 1, 1 }, dataset.Train.Labels.data<long>().ToArray());
        Assert.Equal(new long[] { 0, 1 }, dataset.Test.Labels.data<long>().ToArray());
        Assert.Equal(expected["train"].SelectMany(b => b).ToArray(), dataset.Train.Images.data<byte>().ToArray());
        Assert.Equal(expected["test"].SelectMany(b => b).ToArray(), dataset.Test.Images.data<byte>().ToArray());

        // And mean/std are the train pixels' statistics, computed here by plain loops
        var (mean, std) = Statistics(expected["train"], 3);
        for (var c = 0; c < 3; c++)
        {
            Assert.Equal(mean[c], dataset.Mean[c], 5);
            Assert.Equal(std[c], dataset.Std[c], 5);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Should_ReadJpegsInsideWrappingFolder_When_SourceIsTarArchive(bool gzip)
    {
        // Given a (gzipped) tar of cifar/train/<class>/*.jpg and cifar/test/<class>/*.jpg
        using var dir = new TempFolder();
        var files = new List<(string, byte[])>();
        var reference = new Dictionary<string, byte[]>();
        foreach (var (split, cls, i) in new[] { ("train", "cat", 0), ("train", "cat", 1), ("train", "dog", 0), ("test", "cat", 0), ("test", "dog", 0) })
        {
            var jpeg = DataFixtures.EncodeRgb(DataFixtures.RandomBytes(3 * Width * Height, seed: i + cls.Length + split.Length), Width, Height, SKEncodedImageFormat.Jpeg);
            files.Add(($"cifar/{split}/{cls}/{i:D4}.jpg", jpeg));
            reference[$"{split}/{cls}/{i}"] = DataFixtures.DecodeReference(jpeg);
        }

        files.Add(("cifar/README.txt", "not an image"u8.ToArray()));
        var archive = dir.File(gzip ? "data.tar.gz" : "data.tar");
        File.WriteAllBytes(archive, DataFixtures.Tar(files, gzip));

        // When the archive is read
        using var dataset = ImageFolderReader.Read(archive, useCache: false);

        // Then every image equals SkiaSharp's own decode of the same JPEG
        Assert.Equal(["cat", "dog"], dataset.ClassNames);
        Assert.Equal(3, dataset.Train.Count);
        var train = dataset.Train.Images.data<byte>().ToArray();
        var test = dataset.Test.Images.data<byte>().ToArray();
        var size = 3 * Width * Height;
        Assert.Equal(reference["train/cat/0"], train[..size]);
        Assert.Equal(reference["train/cat/1"], train[size..(2 * size)]);
        Assert.Equal(reference["train/dog/0"], train[(2 * size)..]);
        Assert.Equal(reference["test/cat/0"], test[..size]);
        Assert.Equal(reference["test/dog/0"], test[size..]);
    }

    [Fact]
    public void Should_KeepOneChannel_When_EveryImageIsGray()
    {
        // Given gray PNGs only
        using var dir = new TempFolder();
        var pixels = Enumerable.Range(0, 4).Select(i => DataFixtures.RandomBytes(Width * Height, seed: 10 + i)).ToArray();
        DataFixtures.WriteTree(dir.Path, [
            ("train/a/0.png", DataFixtures.EncodeGray(pixels[0], Width, Height)),
            ("train/b/0.png", DataFixtures.EncodeGray(pixels[1], Width, Height)),
            ("test/a/0.png", DataFixtures.EncodeGray(pixels[2], Width, Height)),
            ("test/b/0.png", DataFixtures.EncodeGray(pixels[3], Width, Height)),
        ]);

        // When
        using var dataset = ImageFolderReader.Read(dir.Path, useCache: false);

        // Then one exact channel
        Assert.Equal(1, dataset.Channels);
        Assert.Equal(pixels[0].Concat(pixels[1]).ToArray(), dataset.Train.Images.data<byte>().ToArray());
        Assert.Equal(pixels[2].Concat(pixels[3]).ToArray(), dataset.Test.Images.data<byte>().ToArray());
        Assert.Single(dataset.Mean);
    }

    [Fact]
    public void Should_KeepThreeChannels_When_GrayAndColorImagesMix()
    {
        // Given one color image among gray ones
        using var dir = new TempFolder();
        var gray = DataFixtures.RandomBytes(Width * Height, seed: 3);
        DataFixtures.WriteTree(dir.Path, [
            ("train/a/0.png", DataFixtures.EncodeGray(gray, Width, Height)),
            ("train/b/0.png", DataFixtures.EncodeRgb(DataFixtures.RandomBytes(3 * Width * Height, 4), Width, Height)),
            ("test/a/0.png", DataFixtures.EncodeGray(gray, Width, Height)),
            ("test/b/0.png", DataFixtures.EncodeGray(gray, Width, Height)),
        ]);

        // When
        using var dataset = ImageFolderReader.Read(dir.Path, useCache: false);

        // Then 3 channels, the gray image replicated into each
        Assert.Equal(3, dataset.Channels);
        Assert.Equal(gray.Concat(gray).Concat(gray).ToArray(), dataset.Test.Images[0].data<byte>().ToArray());
    }

    [Fact]
    public void Should_NameOffendingFile_When_ImagesDifferInSize()
    {
        // Given one 8×7 image among 8×6 ones
        using var dir = new TempFolder();
        var (files, _) = ColorTree(seed: 2);
        files.Add(("test/zebra/9.png", DataFixtures.EncodeRgb(new byte[3 * Width * 7], Width, 7)));
        DataFixtures.WriteTree(dir.Path, files);

        // When / Then
        var error = Assert.Throws<DataFormatException>(() => ImageFolderReader.Read(dir.Path, useCache: false));
        Assert.Equal(Path.Combine(dir.Path, "test", "zebra", "9.png"), error.FilePath);
        Assert.Contains($"expected {Width}×{Height} pixels", error.Message);
        Assert.Contains($"found {Width}×7", error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Should_NameUnreadableImage_When_BytesAreNotAnImage(bool archive)
    {
        // Given a .png holding text, in a folder or an archive
        using var dir = new TempFolder();
        var (files, _) = ColorTree(seed: 3);
        files.Add(("train/ant/broken.png", "this is not a png"u8.ToArray()));
        string source;
        string expectedPath;
        if (archive)
        {
            source = dir.File("data.tgz");
            File.WriteAllBytes(source, DataFixtures.Tar(files, gzip: true));
            expectedPath = $"{source}/train/ant/broken.png";
        }
        else
        {
            DataFixtures.WriteTree(dir.Path, files);
            source = dir.Path;
            expectedPath = Path.Combine(dir.Path, "train", "ant", "broken.png");
        }

        // When / Then
        var error = Assert.Throws<DataFormatException>(() => ImageFolderReader.Read(source, useCache: false));
        Assert.Equal(expectedPath, error.FilePath);
        Assert.Contains("expected a PNG or JPEG image", error.Message);
    }

    [Fact]
    public void Should_NameRoot_When_TestClassesDifferFromTrain()
    {
        // Given a test class absent from train
        using var dir = new TempFolder();
        var (files, _) = ColorTree(seed: 4);
        files.Add(("test/cow/0.png", DataFixtures.EncodeRgb(new byte[3 * Width * Height], Width, Height)));
        DataFixtures.WriteTree(dir.Path, files);

        // When / Then
        var error = Assert.Throws<DataFormatException>(() => ImageFolderReader.Read(dir.Path, useCache: false));
        Assert.Contains("expected test/ to hold the classes of train/ (ant, zebra), found (ant, cow, zebra)", error.Message);
    }

    [Fact]
    public void Should_ExplainLayout_When_TestSplitIsMissing()
    {
        // Given only train/
        using var dir = new TempFolder();
        var (files, _) = ColorTree(seed: 5);
        DataFixtures.WriteTree(dir.Path, files.Where(f => f.Name.StartsWith("train/", StringComparison.Ordinal)));

        // When / Then
        var error = Assert.Throws<DataFormatException>(() => ImageFolderReader.Read(dir.Path, useCache: false));
        Assert.Contains("found 3 train and 0 test images", error.Message);
    }

    [Fact]
    public void Should_ReportMissingPath_When_NothingIsThere()
    {
        // Given / When / Then
        using var dir = new TempFolder();
        var error = Assert.Throws<DataFormatException>(() => ImageFolderReader.Read(dir.File("nothing.tar.gz")));
        Assert.Contains("found nothing at this path", error.Message);
    }

    [Fact]
    public void Should_ReturnIdenticalTensorsFromCache_When_SourceIsUnchanged()
    {
        // Given an archive read once (which writes the cache next to it)
        using var dir = new TempFolder();
        var (files, _) = ColorTree(seed: 6);
        var archive = dir.File("data.tar.gz");
        File.WriteAllBytes(archive, DataFixtures.Tar(files, gzip: true));
        using var first = ImageFolderReader.Read(archive, useCache: true, out var firstFromCache);

        // When it is read again
        using var second = ImageFolderReader.Read(archive, useCache: true, out var secondFromCache);

        // Then the second load came from the cache, with identical content
        Assert.False(firstFromCache);
        Assert.True(secondFromCache);
        Assert.True(File.Exists(archive + ".losslab-cache"));
        AssertSame(first, second);
    }

    [Fact]
    public void Should_DecodeAgain_When_FolderChangesOrCacheIsDamaged()
    {
        // Given a folder read once with cache
        using var dir = new TempFolder();
        var root = Path.Combine(dir.Path, "images");
        var (files, _) = ColorTree(seed: 7);
        DataFixtures.WriteTree(root, files);
        using (ImageFolderReader.Read(root, useCache: true, out _))
        {
        }

        var cache = root + ".losslab-cache";
        Assert.True(File.Exists(cache));

        // When an image is replaced (new content, later time stamp)
        var replaced = Path.Combine(root, "train", "ant", "0.png");
        var newPixels = DataFixtures.RandomBytes(3 * Width * Height, seed: 99);
        File.WriteAllBytes(replaced, DataFixtures.EncodeRgb(newPixels, Width, Height));
        File.SetLastWriteTimeUtc(replaced, DateTime.UtcNow.AddMinutes(1));
        using var afterChange = ImageFolderReader.Read(root, useCache: true, out var changedFromCache);

        // Then the cache was not used and the new pixels are there
        Assert.False(changedFromCache);
        Assert.Equal(newPixels, afterChange.Train.Images[0].data<byte>().ToArray());

        // When the cache file is damaged (truncated)
        var bytes = File.ReadAllBytes(cache);
        File.WriteAllBytes(cache, bytes[..(bytes.Length / 2)]);
        using var afterDamage = ImageFolderReader.Read(root, useCache: true, out var damagedFromCache);

        // Then it is ignored, the folder decoded again, and the cache rewritten
        Assert.False(damagedFromCache);
        AssertSame(afterChange, afterDamage);
        Assert.Equal(bytes.Length, new FileInfo(cache).Length);
    }

    [Fact]
    public void Should_CacheUnderXdgCacheHome_When_SourceFolderIsReadOnly()
    {
        // Given an archive in a folder marked read-only, and XDG_CACHE_HOME pointing to a scratch folder
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using var dir = new TempFolder();
        var data = Path.Combine(dir.Path, "ro");
        Directory.CreateDirectory(data);
        var (files, _) = ColorTree(seed: 8);
        var archive = Path.Combine(data, "data.tar.gz");
        File.WriteAllBytes(archive, DataFixtures.Tar(files, gzip: true));
        File.SetUnixFileMode(data, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var previous = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        Environment.SetEnvironmentVariable("XDG_CACHE_HOME", Path.Combine(dir.Path, "xdg"));
        try
        {
            // When it is read twice
            using var first = ImageFolderReader.Read(archive, useCache: true, out _);
            using var second = ImageFolderReader.Read(archive, useCache: true, out var fromCache);

            // Then nothing was written beside it, and the cache under XDG_CACHE_HOME served the second load
            Assert.False(File.Exists(archive + ".losslab-cache"));
            Assert.Single(Directory.GetFiles(Path.Combine(dir.Path, "xdg", "losslab"), "data.tar.gz-*.losslab-cache"));
            Assert.True(fromCache);
            AssertSame(first, second);
        }
        finally
        {
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", previous);
            File.SetUnixFileMode(data, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>train: ant/0, zebra/0, zebra/1; test: ant/0, zebra/0; random 8×6 RGB PNGs, with the planar pixels per split in reader order.</summary>
    private static (List<(string Name, byte[] Data)> Files, Dictionary<string, List<byte[]>> Expected) ColorTree(int seed)
    {
        var files = new List<(string, byte[])>();
        var expected = new Dictionary<string, List<byte[]>> { ["train"] = [], ["test"] = [] };
        var k = 0;
        foreach (var (split, cls, i) in new[] { ("train", "ant", 0), ("train", "zebra", 0), ("train", "zebra", 1), ("test", "ant", 0), ("test", "zebra", 0) })
        {
            var planes = DataFixtures.RandomBytes(3 * Width * Height, seed * 100 + k++);
            files.Add(($"{split}/{cls}/{i}.png", DataFixtures.EncodeRgb(planes, Width, Height)));
            expected[split].Add(planes);
        }

        return (files, expected);
    }

    private static (double[] Mean, double[] Std) Statistics(List<byte[]> images, int channels)
    {
        var plane = Width * Height;
        var mean = new double[channels];
        var std = new double[channels];
        for (var c = 0; c < channels; c++)
        {
            var values = images.SelectMany(img => img.Skip(c * plane).Take(plane)).Select(v => v / 255.0).ToArray();
            mean[c] = values.Average();
            std[c] = Math.Sqrt(values.Select(v => (v - mean[c]) * (v - mean[c])).Average());
        }

        return (mean, std);
    }

    private static void AssertSame(ImageDataset expected, ImageDataset actual)
    {
        Assert.Equal(expected.ClassNames, actual.ClassNames);
        Assert.Equal(expected.Mean, actual.Mean);
        Assert.Equal(expected.Std, actual.Std);
        Assert.Equal(expected.Train.Images.shape, actual.Train.Images.shape);
        Assert.Equal(expected.Test.Images.shape, actual.Test.Images.shape);
        Assert.Equal(expected.Train.Images.data<byte>().ToArray(), actual.Train.Images.data<byte>().ToArray());
        Assert.Equal(expected.Test.Images.data<byte>().ToArray(), actual.Test.Images.data<byte>().ToArray());
        Assert.Equal(expected.Train.Labels.data<long>().ToArray(), actual.Train.Labels.data<long>().ToArray());
        Assert.Equal(expected.Test.Labels.data<long>().ToArray(), actual.Test.Labels.data<long>().ToArray());
    }
}
