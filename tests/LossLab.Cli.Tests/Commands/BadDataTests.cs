using LossLab.Tests;

namespace LossLab.Cli.Tests.Commands;

public sealed class BadDataTests
{
    [Fact]
    public void Should_ExitWithCode2NamingTheFile_When_AnIdxFileIsTruncated()
    {
        // Given Fashion-MNIST files whose training images stop short
        using var dirFolder = new TempFolder("idx");
        var dir = dirFolder.Path;
        var pixels = DataFixtures.RandomBytes(20 * 28 * 28, 1);
        var labels = Enumerable.Range(0, 20).Select(i => (byte)(i % 10)).ToArray();
        var images = DataFixtures.IdxImages(pixels, 20);
        File.WriteAllBytes(Path.Combine(dir, "train-images-idx3-ubyte"), images[..^100]);
        File.WriteAllBytes(Path.Combine(dir, "train-labels-idx1-ubyte"), DataFixtures.IdxLabels(labels));
        File.WriteAllBytes(Path.Combine(dir, "t10k-images-idx3-ubyte"), images);
        File.WriteAllBytes(Path.Combine(dir, "t10k-labels-idx1-ubyte"), DataFixtures.IdxLabels(labels));

        // When training reads them
        var (code, _, error) = CliRunner.Run("train", "--dataset", "fashion-mnist", "--data-dir", dir, "--out", Path.Combine(dir, "run"));

        // Then exit code 2 and one line naming the file
        AssertOneLineError(code, error, "train-images-idx3-ubyte");
    }

    [Fact]
    public void Should_ExitWithCode2NamingTheFile_When_ACifarFileHasTheWrongLength()
    {
        // Given CIFAR-10 batches of which one is not a whole number of records
        using var dirFolder = new TempFolder("cifar");
        var dir = Path.Combine(dirFolder.Path, "cifar-10-batches-bin");
        Directory.CreateDirectory(dir);
        var records = DataFixtures.CifarRecords([[1], [2]], DataFixtures.RandomBytes(2 * 3072, 2));
        foreach (var name in new[] { "data_batch_1.bin", "data_batch_2.bin", "data_batch_4.bin", "data_batch_5.bin", "test_batch.bin" })
        {
            File.WriteAllBytes(Path.Combine(dir, name), records);
        }

        File.WriteAllBytes(Path.Combine(dir, "data_batch_3.bin"), records[..^7]);

        // When training reads them
        var (code, _, error) = CliRunner.Run("train", "--dataset", "cifar10", "--data-dir", Path.GetDirectoryName(dir)!, "--out", Path.Combine(dir, "run"));

        // Then exit code 2 and one line naming the file
        AssertOneLineError(code, error, "data_batch_3.bin");
    }

    [Fact]
    public void Should_ExitWithCode2NamingTheFile_When_AnImageInTheFolderIsUnreadable()
    {
        // Given an image folder where one test image is not an image
        using var rootFolder = new TempFolder("folder");
        var root = rootFolder.Path;
        var png = DataFixtures.EncodeRgb(DataFixtures.RandomBytes(3 * 8 * 8, 3), 8, 8);
        DataFixtures.WriteTree(root,
        [
            ("train/cat/1.png", png), ("train/dog/2.png", png),
            ("test/cat/3.png", png), ("test/dog/broken.png", DataFixtures.RandomBytes(64, 4)),
        ]);

        // When training reads it
        var (code, _, error) = CliRunner.Run("train", "--dataset", "folder:" + root, "--out", Path.Combine(root, "run"));

        // Then exit code 2 and one line naming the file
        AssertOneLineError(code, error, "broken.png");
    }

    [Theory]
    [InlineData("missing folder", "no such folder")]
    [InlineData("empty folder", "train-images-idx3-ubyte")]
    [InlineData("one file missing", "t10k-labels-idx1-ubyte")]
    public void Should_RefuseNamingWhatIsMissing_When_AnExplicitDataDirLacksTheDataset(string situation, string expected)
    {
        // Given a --data-dir that does not exist, is empty, or holds three of Fashion-MNIST's four files (while the
        // system copy in /usr/share/datasets would be found by the search)
        using var folder = new TempFolder("data-dir");
        var dataDir = folder.File("fmnist");
        if (situation != "missing folder")
        {
            Directory.CreateDirectory(dataDir);
        }

        if (situation == "one file missing")
        {
            var pixels = DataFixtures.RandomBytes(20 * 28 * 28, 1);
            var labels = Enumerable.Range(0, 20).Select(i => (byte)(i % 10)).ToArray();
            File.WriteAllBytes(Path.Combine(dataDir, "train-images-idx3-ubyte"), DataFixtures.IdxImages(pixels, 20));
            File.WriteAllBytes(Path.Combine(dataDir, "train-labels-idx1-ubyte"), DataFixtures.IdxLabels(labels));
            File.WriteAllBytes(Path.Combine(dataDir, "t10k-images-idx3-ubyte"), DataFixtures.IdxImages(pixels, 20));
        }

        // When training is pointed at it
        var (code, _, error) = CliRunner.Run(
            "train", "--data-dir", dataDir, "--epochs", "1", "--train-limit", "100", "--test-limit", "50", "--threads", "1",
            "--no-embedding-metrics", "--out", folder.File("run"));

        // Then it is refused with exit code 2, naming the folder and what it lacks; no other copy was loaded
        AssertOneLineError(code, error, dataDir);
        Assert.Contains("--data-dir", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain(error.Split('\n'), line => line.StartsWith("data:", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("ce")]
    [InlineData("improved")]
    [InlineData("focal")]
    [InlineData("triplet")]
    public void Should_ExitWith2BeforeTraining_When_TheDatasetHasOneClass(string loss)
    {
        // Given an image folder with a single class
        using var rootFolder = new TempFolder("one-class");
        var root = Path.Combine(rootFolder.Path, "images");
        var files = Enumerable.Range(0, 6)
            .Select(i => ($"{(i < 4 ? "train" : "test")}/cat/{i}.png", DataFixtures.EncodeRgb(DataFixtures.RandomBytes(3 * 8 * 8, i), 8, 8)))
            .ToArray();
        DataFixtures.WriteTree(root, files);
        var dir = Path.Combine(rootFolder.Path, "run");

        // When a run of each loss trains on it
        var (code, _, error) = CliRunner.Run("train", "--dataset", "folder:" + root, "--loss", loss, "--epochs", "1", "--threads", "1", "--out", dir);

        // Then it is refused with exit code 2 naming the dataset's single class, before any run file is written
        AssertOneLineError(code, error, "--dataset");
        Assert.Contains("1 class", error, StringComparison.Ordinal);
        Assert.Contains("at least 2", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir, "config.json")), "a run file was written");
    }

    private static void AssertOneLineError(int code, string error, string file)
    {
        Assert.Equal(2, code);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines, l => l.StartsWith("losslab:", StringComparison.Ordinal));
        Assert.Contains(file, line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }
}
