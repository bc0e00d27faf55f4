namespace LossLab.Data;

/// <summary>A dataset LossLab knows by name: where its files are, how to read them, its normalisation constants.</summary>
/// <param name="Name">Name used with <c>--dataset</c>.</param>
/// <param name="Folder">Subfolder name the files may sit in below a search root.</param>
/// <param name="Archive">Name of the official download (a key of <see cref="Downloader"/>).</param>
/// <param name="RequiredFiles">File names that must all exist (a <c>.gz</c> twin also counts, for IDX files).</param>
/// <param name="SystemRoots">Extra roots searched after the user's (e.g. a Debian package's folder).</param>
/// <param name="Mean">Per-channel mean of the training pixels on the [0, 1] scale.</param>
/// <param name="Std">Per-channel standard deviation of the training pixels.</param>
/// <param name="Load">Reads the dataset from the folder holding its files.</param>
/// <param name="ReadLabels">Reads class names and train/test labels only, for counting.</param>
internal sealed record KnownDataset(
    string Name,
    string Folder,
    string Archive,
    IReadOnlyList<string> RequiredFiles,
    IReadOnlyList<string> SystemRoots,
    float[] Mean,
    float[] Std,
    Func<string, ImageDataset> Load,
    Func<string, (IReadOnlyList<string> ClassNames, long[] Train, long[] Test)> ReadLabels)
{
    /// <summary>The file itself, or for IDX files its gzipped twin, whichever exists in <paramref name="folder"/>.</summary>
    public static string? Resolve(string folder, string file)
    {
        var plain = Path.Combine(folder, file);
        if (File.Exists(plain))
        {
            return plain;
        }

        var gz = plain + ".gz";
        return file.Contains("-idx", StringComparison.Ordinal) && File.Exists(gz) ? gz : null;
    }

    /// <summary>The root itself or its <see cref="Folder"/> subfolder, whichever holds every required file.</summary>
    public string? Locate(string root)
    {
        foreach (var folder in new[] { root, Path.Combine(root, Folder) })
        {
            if (RequiredFiles.All(f => Resolve(folder, f) is not null))
            {
                return folder;
            }
        }

        return null;
    }
}
