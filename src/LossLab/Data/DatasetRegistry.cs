namespace LossLab.Data;

/// <summary>
/// Datasets usable with <c>--dataset</c>: <c>fashion-mnist</c>, <c>cifar10</c>, <c>cifar100</c> (100 fine classes),
/// <c>cifar100-coarse</c> (20 superclasses), or <c>folder:PATH</c> for an image folder or archive.
/// Files are searched in <see cref="DataOptions.DataDir"/> alone when it is given (a folder the user named is used
/// or refused, never silently replaced by another copy); otherwise in <c>$LOSSLAB_DATA</c>, then the download
/// folder (<see cref="Downloader.DefaultRoot"/>), then (Fashion-MNIST only) <c>/usr/share/datasets/fashion-mnist</c>;
/// in each root directly or in a subfolder named like the dataset (<c>fashion-mnist/</c>,
/// <c>cifar-10-batches-bin/</c>, <c>cifar-100-binary/</c>).
/// </summary>
public static class DatasetRegistry
{
    /// <summary>Prefix of an image-folder spec, <c>folder:PATH</c>.</summary>
    public const string FolderPrefix = "folder:";

    /// <summary>Environment variable naming a data folder, searched after <see cref="DataOptions.DataDir"/>.</summary>
    public const string DataEnvironmentVariable = "LOSSLAB_DATA";

    private static readonly string[] FashionMnistClasses =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private static readonly string[] Cifar10Train = ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"];

    private static readonly Dictionary<string, KnownDataset> Known = new KnownDataset[]
    {
        new(
            "fashion-mnist",
            "fashion-mnist",
            "fashion-mnist",
            ["train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"],
            ["/usr/share/datasets/fashion-mnist"],
            [0.2860f],
            [0.3530f],
            LoadFashionMnist,
            folder => (FashionMnistClasses, ReadIdxLabels(folder, "train"), ReadIdxLabels(folder, "t10k"))),
        Cifar("cifar10", "cifar-10-batches-bin", "cifar10", CifarLabelKind.Cifar10, Cifar10Train, "test_batch.bin", "batches.meta.txt", [0.4914f, 0.4822f, 0.4465f], [0.2470f, 0.2435f, 0.2616f]),
        Cifar("cifar100", "cifar-100-binary", "cifar100", CifarLabelKind.Cifar100Fine, ["train.bin"], "test.bin", "fine_label_names.txt", [0.5071f, 0.4865f, 0.4409f], [0.2673f, 0.2564f, 0.2762f]),
        Cifar("cifar100-coarse", "cifar-100-binary", "cifar100", CifarLabelKind.Cifar100Coarse, ["train.bin"], "test.bin", "coarse_label_names.txt", [0.5071f, 0.4865f, 0.4409f], [0.2673f, 0.2564f, 0.2762f]),
    }.ToDictionary(d => d.Name, StringComparer.OrdinalIgnoreCase);

    /// <summary>Names of the known datasets, in display order (<c>folder:PATH</c> is accepted besides).</summary>
    public static IReadOnlyList<string> Names { get; } = ["fashion-mnist", "cifar10", "cifar100", "cifar100-coarse"];

    /// <summary>Loads a dataset.</summary>
    /// <param name="spec">A name of <see cref="Names"/> or <c>folder:PATH</c>.</param>
    /// <param name="options">Where to search; whether to download when missing.</param>
    /// <param name="progress">Where download progress lines go (the CLI passes standard error); null for none.</param>
    /// <exception cref="ArgumentException">The name is unknown (the message lists the valid ones).</exception>
    /// <exception cref="DataFormatException">The files are missing (the message lists the places searched and how to get them) or malformed.</exception>
    public static ImageDataset Load(string spec, DataOptions options, TextWriter? progress = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(spec);
        ArgumentNullException.ThrowIfNull(options);
        if (spec.StartsWith(FolderPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return ImageFolderReader.Read(spec[FolderPrefix.Length..]);
        }

        var dataset = Find(spec);
        var folder = Locate(dataset, options);
        if (folder is null && options.Download)
        {
            var root = DownloadRoot(options);
            Downloader.Download(dataset.Archive, root, progress);
            folder = dataset.Locate(root);
        }

        return dataset.Load(folder ?? throw NotFound(dataset, options));
    }

    /// <summary>The folder holding the files of a known dataset, searched as <see cref="Load"/> does; null when absent (nothing is downloaded).</summary>
    /// <param name="name">A name of <see cref="Names"/>.</param>
    /// <param name="options">Where to search.</param>
    /// <exception cref="ArgumentException">The name is unknown.</exception>
    public static string? Locate(string name, DataOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Locate(Find(name), options);
    }

    /// <summary>Where each known dataset is and how many images per class its splits hold, for <c>losslab datasets</c>.</summary>
    /// <param name="options">Where to search (downloading is never done here).</param>
    public static IReadOnlyList<DatasetStatus> Describe(DataOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var statuses = new List<DatasetStatus>();
        foreach (var name in Names)
        {
            var dataset = Known[name];
            var folder = Locate(dataset, options);
            if (folder is null)
            {
                statuses.Add(new DatasetStatus(name, null, NotFound(dataset, options).Message, [], [], []));
                continue;
            }

            try
            {
                var (classNames, train, test) = dataset.ReadLabels(folder);
                statuses.Add(new DatasetStatus(name, folder, null, classNames, Count(train, classNames.Count), Count(test, classNames.Count)));
            }
            catch (DataFormatException e)
            {
                statuses.Add(new DatasetStatus(name, folder, e.Message, [], [], []));
            }
        }

        return statuses;
    }

    /// <summary>Per-channel mean and standard deviation (on the [0, 1] scale) of a known dataset's training pixels.</summary>
    /// <param name="name">A name of <see cref="Names"/>.</param>
    public static (float[] Mean, float[] Std) Normalization(string name)
    {
        var dataset = Find(name);
        return ((float[])dataset.Mean.Clone(), (float[])dataset.Std.Clone());
    }

    /// <summary>Roots searched for a dataset, in order, each with what it stands for: <c>--data-dir</c> alone when given.</summary>
    internal static IReadOnlyList<(string Label, string? Root)> SearchRoots(string name, DataOptions options)
    {
        var dataset = Find(name);
        if (NullIfEmpty(options.DataDir) is { } dataDir)
        {
            return [("--data-dir", dataDir)];
        }

        var roots = new List<(string, string?)>
        {
            ("--data-dir", null),
            ($"${DataEnvironmentVariable}", NullIfEmpty(Environment.GetEnvironmentVariable(DataEnvironmentVariable))),
            ("download folder", Downloader.DefaultRoot),
        };
        roots.AddRange(dataset.SystemRoots.Select(r => ("system", (string?)r)));
        return roots;
    }

    private static KnownDataset Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Known.TryGetValue(name, out var dataset)
            ? dataset
            : throw new ArgumentException($"unknown dataset '{name}'; valid: {string.Join(", ", Names)}, {FolderPrefix}PATH", nameof(name));
    }

    private static string? Locate(KnownDataset dataset, DataOptions options) =>
        SearchRoots(dataset.Name, options)
            .Where(r => r.Root is not null && Directory.Exists(r.Root))
            .Select(r => dataset.Locate(r.Root!))
            .FirstOrDefault(f => f is not null);

    private static string DownloadRoot(DataOptions options) =>
        NullIfEmpty(options.DataDir) ?? NullIfEmpty(Environment.GetEnvironmentVariable(DataEnvironmentVariable)) ?? Downloader.DefaultRoot;

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static DataFormatException NotFound(KnownDataset dataset, DataOptions options)
    {
        if (NullIfEmpty(options.DataDir) is { } dataDir)
        {
            return NotInDataDir(dataset, dataDir);
        }

        var searched = SearchRoots(dataset.Name, options)
            .Select(r => r.Root is null ? $"{r.Label} (not set)" : $"{r.Root} ({r.Label})");
        var files = string.Join(", ", dataset.RequiredFiles.Select(f => f.Contains("-idx", StringComparison.Ordinal) ? f + "[.gz]" : f));
        var howTo = dataset.Name == "fashion-mnist"
            ? "install it with `apt-get install dataset-fashion-mnist`, or rerun with --download (needs the network)"
            : $"rerun with --download (needs the network), or unpack the official binary version so that {dataset.Folder}/ lies in --data-dir or ${DataEnvironmentVariable}";
        return new DataFormatException(
            dataset.Name,
            $"expected {files} in a folder or its {dataset.Folder}/ subfolder, found them in none of: {string.Join("; ", searched)}. To get it, {howTo}.");
    }

    /// <summary>Why an explicit <c>--data-dir</c> does not hold the dataset: no such folder, or which files it lacks.</summary>
    private static DataFormatException NotInDataDir(KnownDataset dataset, string dataDir)
    {
        var howTo = dataset.Name == "fashion-mnist"
            ? "put the files there, rerun with --download (needs the network), or leave out --data-dir to use an installed copy (apt-get install dataset-fashion-mnist)"
            : $"put the files there (or in its {dataset.Folder}/ subfolder), or rerun with --download (needs the network)";
        if (!Directory.Exists(dataDir))
        {
            return new DataFormatException(dataDir, $"no such folder (given with --data-dir); {howTo}");
        }

        // Report the candidate folder that holds the most of the files: the one the user most likely meant.
        var missing = new[] { dataDir, Path.Combine(dataDir, dataset.Folder) }
            .Select(folder => dataset.RequiredFiles.Where(f => KnownDataset.Resolve(folder, f) is null).ToArray())
            .MinBy(m => m.Length)!;
        var names = string.Join(", ", missing.Select(f => f.Contains("-idx", StringComparison.Ordinal) ? f + "[.gz]" : f));
        return new DataFormatException(dataDir, $"no complete {dataset.Name} in this folder (given with --data-dir): missing {names}, here or in its {dataset.Folder}/ subfolder; {howTo}");
    }

    private static long[] Count(long[] labels, int numClasses)
    {
        var counts = new long[numClasses];
        foreach (var label in labels)
        {
            counts[label]++;
        }

        return counts;
    }

    private static ImageDataset LoadFashionMnist(string folder)
    {
        var train = IdxReader.ReadSplit(KnownDataset.Resolve(folder, "train-images-idx3-ubyte")!, KnownDataset.Resolve(folder, "train-labels-idx1-ubyte")!);
        DatasetSplit test;
        try
        {
            test = IdxReader.ReadSplit(KnownDataset.Resolve(folder, "t10k-images-idx3-ubyte")!, KnownDataset.Resolve(folder, "t10k-labels-idx1-ubyte")!);
        }
        catch
        {
            train.Dispose();
            throw;
        }

        var known = Known["fashion-mnist"];
        return new ImageDataset("fashion-mnist", folder, FashionMnistClasses, train, test, [.. known.Mean], [.. known.Std]);
    }

    private static long[] ReadIdxLabels(string folder, string prefix)
    {
        var path = KnownDataset.Resolve(folder, $"{prefix}-labels-idx1-ubyte")!;
        return IdxReader.ParseLabels(path, DataFiles.ReadMaybeGzip(path), FashionMnistClasses.Length);
    }

    private static KnownDataset Cifar(string name, string folder, string archive, CifarLabelKind kind, string[] trainFiles, string testFile, string namesFile, float[] mean, float[] std)
    {
        var numClasses = CifarReader.NumClasses(kind);
        return new KnownDataset(
            name,
            folder,
            archive,
            [.. trainFiles, testFile],
            [],
            mean,
            std,
            dir =>
            {
                var classNames = CifarReader.ReadClassNames(Path.Combine(dir, namesFile), numClasses);
                var train = CifarReader.Read(trainFiles.Select(f => Path.Combine(dir, f)).ToArray(), kind);
                DatasetSplit test;
                try
                {
                    test = CifarReader.Read([Path.Combine(dir, testFile)], kind);
                }
                catch
                {
                    train.Dispose();
                    throw;
                }

                return new ImageDataset(name, dir, classNames, train, test, [.. mean], [.. std]);
            },
            dir => (
                CifarReader.ReadClassNames(Path.Combine(dir, namesFile), numClasses),
                CifarReader.ReadLabels(trainFiles.Select(f => Path.Combine(dir, f)).ToArray(), kind),
                CifarReader.ReadLabels([Path.Combine(dir, testFile)], kind)));
    }
}
