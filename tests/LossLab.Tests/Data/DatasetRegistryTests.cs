using LossLab.Data;

namespace LossLab.Tests.Data;

public sealed class DatasetRegistryTests
{
    [Fact]
    public void Should_ListValidNames_When_NameIsUnknown()
    {
        // Given / When
        var error = Assert.Throws<ArgumentException>(() => DatasetRegistry.Load("mnist", new DataOptions()));

        // Then every valid spec is listed
        Assert.Contains("unknown dataset 'mnist'", error.Message);
        Assert.Contains("fashion-mnist, cifar10, cifar100, cifar100-coarse, folder:PATH", error.Message);
    }

    [Fact]
    public void Should_LoadCifar10WithNamesAndConstants_When_FilesAreInDatasetSubfolderOfDataDir()
    {
        // Given --data-dir holding cifar-10-batches-bin/ with 5 one-record train batches, a 2-record test batch and names
        using var dir = new TempFolder();
        var folder = WriteCifar10(Path.Combine(dir.Path, "cifar-10-batches-bin"), withNames: true);

        // When
        using var dataset = WithEnvironment(null, dir.Path, () => DatasetRegistry.Load("cifar10", new DataOptions { DataDir = dir.Path }));

        // Then the train split concatenates the 5 batches, names come from batches.meta.txt, constants are CIFAR-10's
        Assert.Equal("cifar10", dataset.Name);
        Assert.Equal(folder, dataset.Source);
        Assert.Equal(new long[] { 0, 1, 2, 3, 4 }, dataset.Train.Labels.data<long>().ToArray());
        Assert.Equal(new long[] { 9, 8 }, dataset.Test.Labels.data<long>().ToArray());
        Assert.Equal("airplane", dataset.ClassNames[0]);
        Assert.Equal("truck", dataset.ClassNames[9]);
        Assert.Equal([0.4914f, 0.4822f, 0.4465f], dataset.Mean);
        Assert.Equal([0.2470f, 0.2435f, 0.2616f], dataset.Std);
    }

    [Theory]
    [InlineData("cifar100", 100, 42L)]
    [InlineData("cifar100-coarse", 20, 7L)]
    [InlineData("CIFAR100-Coarse", 20, 7L)]
    public void Should_LoadCifar100LabelSet_When_FilesAreDirectlyInLossLabData(string spec, int classes, long firstLabel)
    {
        // Given $LOSSLAB_DATA holding train.bin and test.bin directly (no names files) and no --data-dir
        using var dir = new TempFolder();
        File.WriteAllBytes(dir.File("train.bin"), DataFixtures.CifarRecords([[7, 42], [19, 99]], new byte[2 * 3072]));
        File.WriteAllBytes(dir.File("test.bin"), DataFixtures.CifarRecords([[0, 0]], new byte[3072]));

        // When
        using var dataset = WithEnvironment(dir.Path, dir.Path, () => DatasetRegistry.Load(spec, new DataOptions()));

        // Then the requested label set is used, with numbered class names
        Assert.Equal(classes, dataset.NumClasses);
        Assert.Equal(firstLabel, dataset.Train.Labels[0].item<long>());
        Assert.Equal("0", dataset.ClassNames[0]);
        Assert.Equal([0.5071f, 0.4865f, 0.4409f], dataset.Mean);
    }

    [Fact]
    public void Should_LoadFashionMnist_When_RawAndGzipFilesMixInSubfolder()
    {
        // Given fashion-mnist/ with raw train files and gzipped test files
        using var dir = new TempFolder();
        var folder = Path.Combine(dir.Path, "fashion-mnist");
        Directory.CreateDirectory(folder);
        var pixels = DataFixtures.RandomBytes(3 * 784, 5);
        File.WriteAllBytes(Path.Combine(folder, "train-images-idx3-ubyte"), DataFixtures.IdxImages(pixels[..(2 * 784)], 2));
        File.WriteAllBytes(Path.Combine(folder, "train-labels-idx1-ubyte"), DataFixtures.IdxLabels([3, 1]));
        File.WriteAllBytes(Path.Combine(folder, "t10k-images-idx3-ubyte.gz"), DataFixtures.Gzip(DataFixtures.IdxImages(pixels[(2 * 784)..], 1)));
        File.WriteAllBytes(Path.Combine(folder, "t10k-labels-idx1-ubyte.gz"), DataFixtures.Gzip(DataFixtures.IdxLabels([9])));

        // When
        using var dataset = WithEnvironment(null, dir.Path, () => DatasetRegistry.Load("fashion-mnist", new DataOptions { DataDir = dir.Path }));

        // Then
        Assert.Equal(folder, dataset.Source);
        Assert.Equal(2, dataset.Train.Count);
        Assert.Equal(new long[] { 9 }, dataset.Test.Labels.data<long>().ToArray());
        Assert.Equal(pixels[(2 * 784)..], dataset.Test.Images.data<byte>().ToArray());
        Assert.Equal("Ankle boot", dataset.ClassNames[9]);
        Assert.Equal([0.2860f], dataset.Mean);
        Assert.Equal([0.3530f], dataset.Std);
    }

    [Fact]
    public void Should_ListPlacesSearchedAndHowToGetIt_When_DatasetIsMissing()
    {
        // Given no --data-dir, no $LOSSLAB_DATA, an empty download folder
        using var dir = new TempFolder();

        // When
        var error = WithEnvironment(null, dir.Path, () => Assert.Throws<DataFormatException>(() => DatasetRegistry.Load("cifar10", new DataOptions())));

        // Then the message names the files, every place searched and the way to get the data
        Assert.Equal("cifar10", error.FilePath);
        Assert.Contains("data_batch_1.bin", error.Message);
        Assert.Contains("--data-dir (not set)", error.Message);
        Assert.Contains("$LOSSLAB_DATA (not set)", error.Message);
        Assert.Contains(Path.Combine(dir.Path, "losslab", "data") + " (download folder)", error.Message);
        Assert.Contains("--download", error.Message);
    }

    [Fact]
    public void Should_SearchOnlyTheDataDirAndNameWhatItLacks_When_ADataDirIsGiven()
    {
        // Given a complete CIFAR-10 in $LOSSLAB_DATA, and a --data-dir whose cifar-10-batches-bin/ lacks test_batch.bin
        using var dir = new TempFolder();
        WriteCifar10(Path.Combine(dir.Path, "env", "cifar-10-batches-bin"), withNames: false);
        var given = Path.Combine(dir.Path, "given");
        WriteCifar10(Path.Combine(given, "cifar-10-batches-bin"), withNames: false);
        File.Delete(Path.Combine(given, "cifar-10-batches-bin", "test_batch.bin"));

        // When it is loaded with that --data-dir, and with one that does not exist
        var lacking = WithEnvironment(Path.Combine(dir.Path, "env"), dir.Path, () => Record.Exception(() => DatasetRegistry.Load("cifar10", new DataOptions { DataDir = given })));
        var missing = WithEnvironment(Path.Combine(dir.Path, "env"), dir.Path, () => Record.Exception(() => DatasetRegistry.Load("cifar10", new DataOptions { DataDir = Path.Combine(dir.Path, "nowhere") })));

        // Then both are refused naming the folder and what is wrong; the copy in $LOSSLAB_DATA is not used
        var lackingError = Assert.IsType<DataFormatException>(lacking);
        Assert.Equal(given, lackingError.FilePath);
        Assert.Contains("missing test_batch.bin", lackingError.Message);
        Assert.DoesNotContain("data_batch_1.bin", lackingError.Message);
        var missingError = Assert.IsType<DataFormatException>(missing);
        Assert.Contains("no such folder (given with --data-dir)", missingError.Message);
    }

    [Fact]
    public void Should_SuggestDebianPackage_When_FashionMnistIsMissing()
    {
        // Given the Fashion-MNIST search roots with the system one left out of reach
        if (Directory.Exists("/usr/share/datasets/fashion-mnist"))
        {
            // The system copy would be found: check the message through the roots the registry would search instead.
            var roots = DatasetRegistry.SearchRoots("fashion-mnist", new DataOptions());
            Assert.Contains(roots, r => r.Root == "/usr/share/datasets/fashion-mnist");
            return;
        }

        // When / Then
        using var dir = new TempFolder();
        var error = WithEnvironment(null, dir.Path, () => Assert.Throws<DataFormatException>(() => DatasetRegistry.Load("fashion-mnist", new DataOptions())));
        Assert.Contains("apt-get install dataset-fashion-mnist", error.Message);
        Assert.Contains("/usr/share/datasets/fashion-mnist (system)", error.Message);
    }

    [Fact]
    public void Should_ReportLocationsCountsAndProblems_When_Described()
    {
        // Given CIFAR-10 and a damaged CIFAR-100 in $LOSSLAB_DATA
        using var dir = new TempFolder();
        var cifar10 = WriteCifar10(Path.Combine(dir.Path, "b", "cifar-10-batches-bin"), withNames: false);
        var cifar100 = Path.Combine(dir.Path, "b", "cifar-100-binary");
        Directory.CreateDirectory(cifar100);
        File.WriteAllBytes(Path.Combine(cifar100, "train.bin"), new byte[100]);
        File.WriteAllBytes(Path.Combine(cifar100, "test.bin"), DataFixtures.CifarRecords([[0, 0]], new byte[3072]));

        // When
        var statuses = WithEnvironment(Path.Combine(dir.Path, "b"), dir.Path, () => DatasetRegistry.Describe(new DataOptions()));

        // Then every known dataset has a line: found with counts, or why not
        Assert.Equal(["fashion-mnist", "cifar10", "cifar100", "cifar100-coarse"], statuses.Select(s => s.Name));
        var ten = statuses.Single(s => s.Name == "cifar10");
        Assert.True(ten.IsAvailable);
        Assert.Equal(cifar10, ten.Location);
        Assert.Equal(new long[] { 1, 1, 1, 1, 1, 0, 0, 0, 0, 0 }, ten.TrainCounts);
        Assert.Equal(new long[] { 0, 0, 0, 0, 0, 0, 0, 0, 1, 1 }, ten.TestCounts);
        var hundred = statuses.Single(s => s.Name == "cifar100");
        Assert.False(hundred.IsAvailable);
        Assert.Equal(cifar100, hundred.Location);
        Assert.Contains("found 100 bytes", hundred.Problem);
        var fashion = statuses.Single(s => s.Name == "fashion-mnist");
        if (fashion.IsAvailable)
        {
            Assert.All(fashion.TrainCounts, c => Assert.Equal(6000, c));
            Assert.All(fashion.TestCounts, c => Assert.Equal(1000, c));
        }
        else
        {
            Assert.Contains("apt-get install dataset-fashion-mnist", fashion.Problem);
        }
    }

    [Fact]
    public void Should_ReadImageFolder_When_SpecIsFolderPath()
    {
        // Given a tiny image folder
        using var dir = new TempFolder();
        var root = Path.Combine(dir.Path, "imgs");
        var png = DataFixtures.EncodeRgb(DataFixtures.RandomBytes(3 * 4 * 4, 1), 4, 4);
        DataFixtures.WriteTree(root, [("train/x/0.png", png), ("train/y/0.png", png), ("test/x/0.png", png), ("test/y/0.png", png)]);

        // When
        using var dataset = DatasetRegistry.Load($"folder:{root}", new DataOptions());

        // Then
        Assert.Equal($"folder:{root}", dataset.Name);
        Assert.Equal(["x", "y"], dataset.ClassNames);
    }

    [Fact]
    public void Should_ReportToTheGivenWriterAndNotTheConsole_When_ADownloadedArchiveIsUnpacked()
    {
        // Given --data-dir holding CIFAR-10's archive (under its official name, with a small dataset of its layout), not unpacked yet
        using var dir = new TempFolder();
        var source = WriteCifar10(Path.Combine(dir.Path, "source", "cifar-10-batches-bin"), withNames: true);
        var entries = Directory.GetFiles(source).Select(f => ($"cifar-10-batches-bin/{Path.GetFileName(f)}", File.ReadAllBytes(f))).ToArray();
        File.WriteAllBytes(dir.File("cifar-10-binary.tar.gz"), DataFixtures.Tar(entries, gzip: true));
        Directory.Delete(Path.Combine(dir.Path, "source"), recursive: true);
        using var progress = new StringWriter();
        using var console = new StringWriter();
        var (previousOut, previousError) = (Console.Out, Console.Error);

        // When it is loaded with --download, progress going to a writer, while the console is watched
        Console.SetOut(console);
        Console.SetError(console);
        try
        {
            using var dataset = WithEnvironment(null, dir.Path, () => DatasetRegistry.Load("cifar10", new DataOptions { DataDir = dir.Path, Download = true }, progress));
            Assert.Equal(5, dataset.Train.Count);
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousError);
        }

        // Then the archive was unpacked, the writer was told, and nothing reached the console
        Assert.Contains($"unpacked {Path.Combine(dir.Path, "cifar-10-batches-bin")}", progress.ToString(), StringComparison.Ordinal);
        Assert.Equal("", console.ToString());
    }

    private static string WriteCifar10(string folder, bool withNames)
    {
        Directory.CreateDirectory(folder);
        for (var b = 1; b <= 5; b++)
        {
            File.WriteAllBytes(Path.Combine(folder, $"data_batch_{b}.bin"), DataFixtures.CifarRecords([[(byte)(b - 1)]], DataFixtures.RandomBytes(3072, b)));
        }

        File.WriteAllBytes(Path.Combine(folder, "test_batch.bin"), DataFixtures.CifarRecords([[9], [8]], new byte[2 * 3072]));
        if (withNames)
        {
            File.WriteAllText(Path.Combine(folder, "batches.meta.txt"), "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n");
        }

        return folder;
    }

    /// <summary>Runs with $LOSSLAB_DATA and $XDG_CACHE_HOME set (so the download folder is a scratch one), then restores them.</summary>
    private static T WithEnvironment<T>(string? lossLabData, string cacheHome, Func<T> action)
    {
        var previous = (Environment.GetEnvironmentVariable("LOSSLAB_DATA"), Environment.GetEnvironmentVariable("XDG_CACHE_HOME"));
        Environment.SetEnvironmentVariable("LOSSLAB_DATA", lossLabData);
        Environment.SetEnvironmentVariable("XDG_CACHE_HOME", cacheHome);
        try
        {
            return action();
        }
        finally
        {
            Environment.SetEnvironmentVariable("LOSSLAB_DATA", previous.Item1);
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", previous.Item2);
        }
    }
}
