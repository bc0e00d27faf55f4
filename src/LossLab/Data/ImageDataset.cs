namespace LossLab.Data;

/// <summary>A loaded dataset: train and test splits plus what the models and transforms need to know.</summary>
public sealed class ImageDataset : IDisposable
{
    /// <summary>Creates a dataset; takes ownership of both splits.</summary>
    public ImageDataset(string name, string source, IReadOnlyList<string> classNames, DatasetSplit train, DatasetSplit test, float[] mean, float[] std)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(classNames);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        Name = name;
        Source = source;
        ClassNames = classNames;
        Train = train;
        Test = test;
        Mean = mean;
        Std = std;
    }

    /// <summary>Dataset name as given on the command line (e.g. <c>fashion-mnist</c>).</summary>
    public string Name { get; }

    /// <summary>Where the data was read from.</summary>
    public string Source { get; }

    /// <summary>Class names, indexed by label.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Number of classes.</summary>
    public int NumClasses => ClassNames.Count;

    /// <summary>Training split.</summary>
    public DatasetSplit Train { get; }

    /// <summary>Test split.</summary>
    public DatasetSplit Test { get; }

    /// <summary>Per-channel mean of the pixels scaled to [0, 1], for normalisation.</summary>
    public float[] Mean { get; }

    /// <summary>Per-channel standard deviation of the pixels scaled to [0, 1].</summary>
    public float[] Std { get; }

    /// <summary>Image channels (1 or 3).</summary>
    public int Channels => (int)Train.Images.shape[1];

    /// <summary>Image height.</summary>
    public int Height => (int)Train.Images.shape[2];

    /// <summary>Image width.</summary>
    public int Width => (int)Train.Images.shape[3];

    /// <inheritdoc />
    public void Dispose()
    {
        Train.Dispose();
        Test.Dispose();
    }
}
