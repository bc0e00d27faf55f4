namespace LossLab.Losses.Mining;

/// <summary>
/// Scratch arrays of managed mining, one set per thread, grown on demand: a training step then allocates no managed
/// memory for its mining. Contents are valid only until the next mining call on the same thread.
/// </summary>
internal sealed class MiningWorkspace
{
    [ThreadStatic]
    private static MiningWorkspace? current;

    /// <summary>The calling thread's workspace.</summary>
    public static MiningWorkspace Current => current ??= new MiningWorkspace();

    /// <summary>Sort keys (labels).</summary>
    public long[] Keys { get; private set; } = [];

    /// <summary>Rows sorted by label.</summary>
    public int[] Order { get; private set; } = [];

    /// <summary>Per row, the start of its class block.</summary>
    public int[] Start { get; private set; } = [];

    /// <summary>Per row, the size of its class.</summary>
    public int[] Count { get; private set; } = [];

    /// <summary>Per row, its position in sorted order.</summary>
    public int[] Rank { get; private set; } = [];

    /// <summary>Per row, the mined positive (−1: none).</summary>
    public int[] Positives { get; private set; } = [];

    /// <summary>Per row, the mined negative (−1: none).</summary>
    public int[] Negatives { get; private set; } = [];

    /// <summary>Makes every array hold at least <paramref name="n"/> entries.</summary>
    public void Ensure(int n)
    {
        if (Order.Length >= n)
        {
            return;
        }

        Keys = new long[n];
        Order = new int[n];
        Start = new int[n];
        Count = new int[n];
        Rank = new int[n];
        Positives = new int[n];
        Negatives = new int[n];
    }
}
