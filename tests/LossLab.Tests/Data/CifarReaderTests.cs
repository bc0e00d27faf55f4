using System.Text.Json;
using LossLab.Data;
using TorchSharp;

namespace LossLab.Tests.Data;

public sealed class CifarReaderTests
{
    private static string Reference(string name) => Path.Combine(AppContext.BaseDirectory, "Data", name);

    [Fact]
    public void Should_MatchIndependentReference_When_ReadingCifar10Sample()
    {
        // Given a CIFAR-10 binary file written by numpy in the official layout, and the values it must hold
        using var json = JsonDocument.Parse(File.ReadAllText(Reference("cifar_reference.json")));
        var reference = json.RootElement.GetProperty("cifar10");

        // When it is read
        using var split = CifarReader.Read([Reference("cifar10_sample.bin")], CifarLabelKind.Cifar10);

        // Then labels, plane order and row-major pixels agree
        Assert.Equal(new long[] { 4, 3, 32, 32 }, split.Images.shape);
        Assert.Equal(reference.GetProperty("labels").EnumerateArray().Select(e => e.GetInt64()), split.Labels.data<long>().ToArray());
        AssertImages(reference.GetProperty("images"), split.Images);
    }

    [Theory]
    [InlineData(CifarLabelKind.Cifar100Fine, "fine")]
    [InlineData(CifarLabelKind.Cifar100Coarse, "coarse")]
    public void Should_MatchIndependentReference_When_ReadingCifar100Sample(CifarLabelKind kind, string labelSet)
    {
        // Given a CIFAR-100 binary file written by numpy, with coarse and fine label bytes
        using var json = JsonDocument.Parse(File.ReadAllText(Reference("cifar_reference.json")));
        var reference = json.RootElement.GetProperty("cifar100");

        // When it is read with either label set
        using var split = CifarReader.Read([Reference("cifar100_sample.bin")], kind);

        // Then the chosen labels and the pixels agree
        Assert.Equal(reference.GetProperty(labelSet).EnumerateArray().Select(e => e.GetInt64()), split.Labels.data<long>().ToArray());
        AssertImages(reference.GetProperty("images"), split.Images);
    }

    [Fact]
    public void Should_ConcatenateFilesInOrder_When_SeveralBatchesAreRead()
    {
        // Given two batch files of 2 and 3 records
        using var dir = new TempFolder();
        var pixels = DataFixtures.RandomBytes(5 * 3072, seed: 7);
        File.WriteAllBytes(dir.File("data_batch_1.bin"), DataFixtures.CifarRecords([[1], [2]], pixels[..(2 * 3072)]));
        File.WriteAllBytes(dir.File("data_batch_2.bin"), DataFixtures.CifarRecords([[3], [4], [5]], pixels[(2 * 3072)..]));

        // When both are read
        using var split = CifarReader.Read([dir.File("data_batch_1.bin"), dir.File("data_batch_2.bin")], CifarLabelKind.Cifar10);

        // Then the 5 records come out in file order with exact pixels
        Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, split.Labels.data<long>().ToArray());
        Assert.Equal(pixels, split.Images.data<byte>().ToArray());
        Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, CifarReader.ReadLabels([dir.File("data_batch_1.bin"), dir.File("data_batch_2.bin")], CifarLabelKind.Cifar10));
    }

    [Fact]
    public void Should_NameFileAndLength_When_LengthIsNotWholeRecords()
    {
        // Given a file one byte short of 2 records
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("data_batch_1.bin"), new byte[(2 * 3073) - 1]);

        // When / Then
        var error = Assert.Throws<DataFormatException>(() => CifarReader.Read([dir.File("data_batch_1.bin")], CifarLabelKind.Cifar10));
        Assert.Equal(dir.File("data_batch_1.bin"), error.FilePath);
        Assert.Contains("3073-byte records", error.Message);
        Assert.Contains($"found {(2 * 3073) - 1} bytes", error.Message);
    }

    [Fact]
    public void Should_RejectCifar100Length_When_FileHasCifar10Records()
    {
        // Given 2 CIFAR-10 records (2 × 3073 bytes is not a multiple of 3074)
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("train.bin"), DataFixtures.CifarRecords([[1], [2]], new byte[2 * 3072]));

        // When / Then
        var error = Assert.Throws<DataFormatException>(() => CifarReader.Read([dir.File("train.bin")], CifarLabelKind.Cifar100Fine));
        Assert.Contains("3074-byte records", error.Message);
    }

    [Theory]
    [InlineData(CifarLabelKind.Cifar10, new byte[] { 10 }, "label in 0..9, found 10")]
    [InlineData(CifarLabelKind.Cifar100Fine, new byte[] { 3, 100 }, "fine label in 0..99, found 100")]
    [InlineData(CifarLabelKind.Cifar100Fine, new byte[] { 20, 5 }, "coarse label in 0..19, found 20")]
    [InlineData(CifarLabelKind.Cifar100Coarse, new byte[] { 20, 5 }, "coarse label in 0..19, found 20")]
    public void Should_NameRecordAndLabel_When_LabelIsOutOfRange(CifarLabelKind kind, byte[] badLabel, string expected)
    {
        // Given a file whose second record carries a bad label
        using var dir = new TempFolder();
        var good = new byte[badLabel.Length];
        File.WriteAllBytes(dir.File("batch.bin"), DataFixtures.CifarRecords([good, badLabel], new byte[2 * 3072]));

        // When / Then: the file, the record and the value are named, by Read and by ReadLabels
        var error = Assert.Throws<DataFormatException>(() => CifarReader.Read([dir.File("batch.bin")], kind));
        Assert.Equal(dir.File("batch.bin"), error.FilePath);
        Assert.Contains($"record 1: expected a {expected}", error.Message);
        Assert.Throws<DataFormatException>(() => CifarReader.ReadLabels([dir.File("batch.bin")], kind));
    }

    [Fact]
    public void Should_ReadNamesOrNumber_When_NamesFileIsPresentOrAbsent()
    {
        // Given a batches.meta.txt with 10 names and a trailing blank line, and a names file with too few
        using var dir = new TempFolder();
        var names = new[] { "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck" };
        File.WriteAllText(dir.File("batches.meta.txt"), string.Join("\n", names) + "\n\n");
        File.WriteAllText(dir.File("short.txt"), "a\nb\n");

        // When / Then
        Assert.Equal(names, CifarReader.ReadClassNames(dir.File("batches.meta.txt"), 10));
        Assert.Equal(["0", "1", "2"], CifarReader.ReadClassNames(dir.File("absent.txt"), 3));
        var error = Assert.Throws<DataFormatException>(() => CifarReader.ReadClassNames(dir.File("short.txt"), 20));
        Assert.Contains("expected 20 class names, found 2", error.Message);
    }

    private static void AssertImages(JsonElement images, torch.Tensor actual)
    {
        var i = 0;
        foreach (var image in images.EnumerateArray())
        {
            var sums = image.GetProperty("channel_sums").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            for (var c = 0; c < 3; c++)
            {
                using var plane = actual[i, c];
                Assert.Equal(sums[c], plane.sum(torch.ScalarType.Int64).item<long>());
            }

            foreach (var probe in image.GetProperty("probes").EnumerateArray())
            {
                var v = probe.EnumerateArray().Select(e => e.GetInt32()).ToArray();
                Assert.Equal((byte)v[3], actual[i, v[0], v[1], v[2]].item<byte>());
            }

            i++;
        }

        Assert.Equal(actual.shape[0], i);
    }
}
