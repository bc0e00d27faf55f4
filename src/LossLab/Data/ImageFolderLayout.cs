namespace LossLab.Data;

/// <summary>
/// The <c>train/&lt;class&gt;/*</c> and <c>test/&lt;class&gt;/*</c> structure of an image folder, found among the
/// folder's (or archive's) files, possibly wrapped in a single top-level folder.
/// </summary>
internal sealed class ImageFolderLayout
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg"];

    private ImageFolderLayout(IReadOnlyList<string> classNames, ImageSource[] train, int[] trainLabels, ImageSource[] test, int[] testLabels)
    {
        ClassNames = classNames;
        Train = train;
        TrainLabels = trainLabels;
        Test = test;
        TestLabels = testLabels;
    }

    /// <summary>Class names, sorted ordinally; a label is an index into this list.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Training images, sorted by class then path.</summary>
    public ImageSource[] Train { get; }

    /// <summary>Label of each training image.</summary>
    public int[] TrainLabels { get; }

    /// <summary>Test images, sorted by class then path.</summary>
    public ImageSource[] Test { get; }

    /// <summary>Label of each test image.</summary>
    public int[] TestLabels { get; }

    /// <summary>Whether a member name looks like an image this reader decodes (hidden files excluded).</summary>
    public static bool IsImageName(string relativePath)
    {
        var name = relativePath[(relativePath.LastIndexOf('/') + 1)..];
        return !name.StartsWith('.') && Extensions.Any(e => name.EndsWith(e, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Finds the splits and classes among <paramref name="sources"/>.</summary>
    /// <param name="root">The folder or archive, for error messages.</param>
    /// <param name="sources">Every image file found below the root.</param>
    public static ImageFolderLayout Build(string root, IEnumerable<ImageSource> sources)
    {
        var parsed = sources
            .Where(s => IsImageName(s.RelativePath))
            .Select(s => (Source: s, Parts: s.RelativePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToArray()))
            .ToList();

        // (split, class, file) at the top, else inside one wrapping folder.
        var entries = parsed.Where(p => p.Parts.Length == 3 && IsSplit(p.Parts[0]))
            .Select(p => (p.Source, Split: p.Parts[0], Class: p.Parts[1]))
            .ToList();
        if (entries.Count == 0)
        {
            var wrapped = parsed.Where(p => p.Parts.Length == 4 && IsSplit(p.Parts[1])).ToList();
            var tops = wrapped.Select(p => p.Parts[0]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
            if (tops.Length > 1)
            {
                throw new DataFormatException(root, $"expected train/ and test/ at the top or inside one folder, found them inside {string.Join(", ", tops)}");
            }

            entries = wrapped.Select(p => (p.Source, Split: p.Parts[1], Class: p.Parts[2])).ToList();
        }

        var train = entries.Where(e => e.Split == "train").ToList();
        var test = entries.Where(e => e.Split == "test").ToList();
        if (train.Count == 0 || test.Count == 0)
        {
            throw new DataFormatException(root, $"expected .png/.jpg images under train/<class>/ and test/<class>/, found {train.Count} train and {test.Count} test images");
        }

        var classes = train.Select(e => e.Class).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        var testClasses = test.Select(e => e.Class).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        if (!classes.SequenceEqual(testClasses, StringComparer.Ordinal))
        {
            throw new DataFormatException(root, $"expected test/ to hold the classes of train/ ({string.Join(", ", classes)}), found ({string.Join(", ", testClasses)})");
        }

        var index = classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);
        var (trainSources, trainLabels) = Sorted(train, index);
        var (testSources, testLabels) = Sorted(test, index);
        return new ImageFolderLayout(classes, trainSources, trainLabels, testSources, testLabels);
    }

    private static bool IsSplit(string part) => part is "train" or "test";

    private static (ImageSource[] Sources, int[] Labels) Sorted(List<(ImageSource Source, string Split, string Class)> entries, Dictionary<string, int> index)
    {
        var sorted = entries
            .OrderBy(e => index[e.Class])
            .ThenBy(e => e.Source.RelativePath, StringComparer.Ordinal)
            .ToArray();
        return (sorted.Select(e => e.Source).ToArray(), sorted.Select(e => index[e.Class]).ToArray());
    }
}
