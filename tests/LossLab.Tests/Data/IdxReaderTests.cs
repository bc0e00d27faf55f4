using System.Text.Json;
using LossLab.Data;
using TorchSharp;
using Xunit.Abstractions;

namespace LossLab.Tests.Data;

public sealed class IdxReaderTests
{
    private const string FashionMnistRoot = "/usr/share/datasets/fashion-mnist";
    private readonly ITestOutputHelper _output;

    public IdxReaderTests(ITestOutputHelper output) => _output = output;

    [Theory]
    [InlineData(false, "train-images-idx3-ubyte")]
    [InlineData(true, "train-images-idx3-ubyte.gz")]
    [InlineData(true, "gzipped-without-extension")]
    public void Should_ReadExactPixelsAndLabels_When_FileIsRawOrGzip(bool gzip, string imagesName)
    {
        // Given 3 random 28×28 images and labels, written raw or gzipped
        using var dir = new TempFolder();
        var pixels = DataFixtures.RandomBytes(3 * 784, seed: 1);
        var labels = new byte[] { 9, 0, 4 };
        var images = DataFixtures.IdxImages(pixels, 3);
        var labelBytes = DataFixtures.IdxLabels(labels);
        File.WriteAllBytes(dir.File(imagesName), gzip ? DataFixtures.Gzip(images) : images);
        File.WriteAllBytes(dir.File("labels"), gzip ? DataFixtures.Gzip(labelBytes) : labelBytes);

        // When the split is read
        using var split = IdxReader.ReadSplit(dir.File(imagesName), dir.File("labels"));

        // Then shape, pixels and labels are exactly those written
        Assert.Equal(new long[] { 3, 1, 28, 28 }, split.Images.shape);
        Assert.Equal(torch.ScalarType.Byte, split.Images.dtype);
        Assert.Equal(pixels, split.Images.data<byte>().ToArray());
        Assert.Equal(new long[] { 9, 0, 4 }, split.Labels.data<long>().ToArray());
        Assert.Equal(pixels[(2 * 784) + (27 * 28) + 5], split.Images[2, 0, 27, 5].item<byte>());
    }

    [Fact]
    public void Should_NameFileAndMagic_When_MagicIsWrong()
    {
        // Given a labels file carrying the images magic
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("labels"), DataFixtures.IdxLabels([1, 2], magic: 0x00000803));

        // When it is read as labels
        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(dir.File("labels")));

        // Then the message names the file, the expected and the found magic
        Assert.Equal(dir.File("labels"), error.FilePath);
        Assert.Contains("expected magic 0x00000801", error.Message);
        Assert.Contains("found 0x00000803", error.Message);
    }

    [Fact]
    public void Should_ReportExpectedAndFoundLength_When_ImagesFileIsTruncated()
    {
        // Given an images file announcing 3 images but cut 100 bytes short
        using var dir = new TempFolder();
        var bytes = DataFixtures.IdxImages(new byte[3 * 784], 3);
        File.WriteAllBytes(dir.File("images"), bytes[..^100]);

        // When it is read
        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(dir.File("images")));

        // Then the message gives both lengths
        Assert.Equal(dir.File("images"), error.FilePath);
        Assert.Contains($"expected {bytes.Length} bytes for 3 images", error.Message);
        Assert.Contains($"found {bytes.Length - 100}", error.Message);
    }

    [Fact]
    public void Should_RejectHeaderOnlyFragment_When_FileIsShorterThanHeader()
    {
        // Given 10 bytes of an images file
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("images"), DataFixtures.IdxImages([], 0)[..10]);

        // When / Then
        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(dir.File("images")));
        Assert.Contains("found a file of 10 bytes", error.Message);
    }

    [Fact]
    public void Should_RejectImages_When_TheyAreNot28By28()
    {
        // Given one 32×32 idx3 image
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("images"), DataFixtures.IdxImages(new byte[32 * 32], 1, rows: 32, cols: 32));

        // When / Then
        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(dir.File("images")));
        Assert.Contains("expected 28×28 images, found 32×32", error.Message);
    }

    [Fact]
    public void Should_NameLabelsFile_When_CountsDisagree()
    {
        // Given 2 images and 3 labels
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("images"), DataFixtures.IdxImages(new byte[2 * 784], 2));
        File.WriteAllBytes(dir.File("labels"), DataFixtures.IdxLabels([1, 2, 3]));

        // When the split is read
        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadSplit(dir.File("images"), dir.File("labels")));

        // Then the labels file is named with both counts
        Assert.Equal(dir.File("labels"), error.FilePath);
        Assert.Contains("expected 2 labels", error.Message);
        Assert.Contains("found 3", error.Message);
    }

    [Fact]
    public void Should_NameIndexAndValue_When_LabelIsOutOfRange()
    {
        // Given labels with a 10 at index 2
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("labels"), DataFixtures.IdxLabels([0, 9, 10, 1]));

        // When / Then
        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(dir.File("labels")));
        Assert.Contains("label 2: expected 0..9, found 10", error.Message);
    }

    [Fact]
    public void Should_WrapDecompressorError_When_GzipStreamIsCorrupt()
    {
        // Given a gzip file whose compression-method byte is not deflate
        using var dir = new TempFolder();
        var gz = DataFixtures.Gzip(DataFixtures.IdxImages(DataFixtures.RandomBytes(2 * 784, 3), 2));
        gz[2] = 7;
        File.WriteAllBytes(dir.File("images.gz"), gz);

        // When / Then: a DataFormatException naming the file, not the decompressor's own exception
        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(dir.File("images.gz")));
        Assert.Equal(dir.File("images.gz"), error.FilePath);
        Assert.Contains("expected a valid gzip stream", error.Message);
        Assert.IsType<InvalidDataException>(error.InnerException);
    }

    [Fact]
    public void Should_ReportShortData_When_GzipStreamIsTruncated()
    {
        // Given a gzip file cut in half (the decompressor stops early without complaint)
        using var dir = new TempFolder();
        var gz = DataFixtures.Gzip(DataFixtures.IdxImages(DataFixtures.RandomBytes(2 * 784, 3), 2));
        File.WriteAllBytes(dir.File("images.gz"), gz[..(gz.Length / 2)]);

        // When / Then: the size check names the file
        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(dir.File("images.gz")));
        Assert.Equal(dir.File("images.gz"), error.FilePath);
        Assert.Contains("expected 1584 bytes for 2 images", error.Message);
    }

    [Fact]
    public void Should_ReportUnreadableFile_When_FileIsMissing()
    {
        // Given a path with no file
        using var dir = new TempFolder();

        // When / Then
        var error = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(dir.File("missing")));
        Assert.Equal(dir.File("missing"), error.FilePath);
    }

    [Fact]
    public void Should_MatchIndependentReference_When_ReadingRealFashionMnist()
    {
        // Given Debian's Fashion-MNIST (skipped when the package is not installed) and facts read by numpy
        if (!File.Exists(Path.Combine(FashionMnistRoot, "train-images-idx3-ubyte.gz")))
        {
            _output.WriteLine($"SKIPPED: {FashionMnistRoot} absent; install it with `apt-get install dataset-fashion-mnist`.");
            return;
        }

        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "fashion_mnist_reference.json")));

        // When both splits are read
        using var train = IdxReader.ReadSplit(Path.Combine(FashionMnistRoot, "train-images-idx3-ubyte.gz"), Path.Combine(FashionMnistRoot, "train-labels-idx1-ubyte.gz"));
        using var test = IdxReader.ReadSplit(Path.Combine(FashionMnistRoot, "t10k-images-idx3-ubyte.gz"), Path.Combine(FashionMnistRoot, "t10k-labels-idx1-ubyte.gz"));

        // Then counts, per-class counts, labels and pixels agree with the reference
        Assert.Equal(60000, train.Count);
        Assert.Equal(10000, test.Count);
        Assert.All(train.CountsPerClass(10), c => Assert.Equal(6000, c));
        Assert.All(test.CountsPerClass(10), c => Assert.Equal(1000, c));
        foreach (var (split, name) in new[] { (train, "train"), (test, "test") })
        {
            var reference = json.RootElement.GetProperty(name);
            Assert.Equal(reference.GetProperty("count").GetInt32(), split.Count);
            Assert.Equal(
                reference.GetProperty("first_labels").EnumerateArray().Select(e => e.GetInt64()),
                split.Labels[..20].data<long>().ToArray());
            Assert.Equal(
                reference.GetProperty("first_image_row_14").EnumerateArray().Select(e => (byte)e.GetInt32()),
                split.Images[0, 0, 14].data<byte>().ToArray());
            Assert.Equal(reference.GetProperty("first_image_pixel_sum").GetInt64(), PixelSum(split.Images[0]));
            Assert.Equal(reference.GetProperty("last_image_pixel_sum").GetInt64(), PixelSum(split.Images[-1]));
            Assert.Equal(reference.GetProperty("pixel_sum").GetInt64(), PixelSum(split.Images));
        }

        // And the registry's normalisation constants are this data's statistics
        var (mean, std) = DatasetRegistry.Normalization("fashion-mnist");
        Assert.Equal(json.RootElement.GetProperty("train").GetProperty("mean").GetDouble(), mean[0], 4);
        Assert.Equal(json.RootElement.GetProperty("train").GetProperty("std").GetDouble(), std[0], 4);
    }

    private static long PixelSum(torch.Tensor images)
    {
        using var contiguous = images.contiguous();
        long sum = 0;
        foreach (var value in contiguous.bytes)
        {
            sum += value;
        }

        return sum;
    }
}
