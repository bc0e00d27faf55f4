namespace LossLab.Cli.Jobs;

/// <summary>How many runs of an experiment train at once by default (<c>--jobs</c>), and on how many threads each.</summary>
public static class JobCount
{
    /// <summary>Memory set aside per small-cnn run when choosing the default: a run of <c>reproduce E2 --preset quick</c> peaked at about 0.55 GiB.</summary>
    public const long SmallModelMemory = 1L << 30;

    /// <summary>
    /// Memory set aside per run of any other model: a ResNet-18 run at batch 32 peaked at 1.0 GiB, a GoogLeNet run at
    /// batch 128 on 32×32 images at 7.5 GiB.
    /// </summary>
    public const long LargeModelMemory = 8L << 30;

    /// <summary>
    /// The default number of runs at once: one per <paramref name="threads"/> cores (one per core when the thread count
    /// is not given), as many as <paramref name="memory"/> holds at <paramref name="memoryPerRun"/> each; 1 when the
    /// runs train on a GPU, which they would share.
    /// </summary>
    /// <param name="cores">Cores this process may use.</param>
    /// <param name="threads">The threads per run the user gave (<c>--threads</c>), or null.</param>
    /// <param name="gpu">Whether the runs train on a GPU.</param>
    /// <param name="memory">Memory of the machine (or of the container), in bytes.</param>
    /// <param name="memoryPerRun">Memory set aside per run (<see cref="MemoryPerRun"/>).</param>
    public static int Default(int cores, int? threads, bool gpu, long memory, long memoryPerRun)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cores, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(memoryPerRun, 1);
        if (gpu)
        {
            return 1;
        }

        var byCores = Math.Max(1, cores / Math.Max(1, threads ?? 1));
        var byMemory = (int)Math.Clamp(memory / memoryPerRun, 1, int.MaxValue);
        return Math.Min(byCores, byMemory);
    }

    /// <summary>The memory to set aside per run of <paramref name="models"/>: <see cref="SmallModelMemory"/> when all are small-cnn, else <see cref="LargeModelMemory"/>.</summary>
    public static long MemoryPerRun(IEnumerable<string> models)
    {
        ArgumentNullException.ThrowIfNull(models);
        return models.All(m => string.Equals(m, "small-cnn", StringComparison.OrdinalIgnoreCase)) ? SmallModelMemory : LargeModelMemory;
    }

    /// <summary>
    /// The threads of each run: those the user gave; with several jobs, the cores divided between them; with one job,
    /// the plan's own (a preset's, or null for every core).
    /// </summary>
    public static int? PerRun(int jobs, int? threads, int? planThreads, int cores)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(jobs, 1);
        return threads ?? (jobs > 1 ? Math.Max(1, cores / jobs) : planThreads);
    }
}
