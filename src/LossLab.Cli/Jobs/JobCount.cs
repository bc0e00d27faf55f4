namespace LossLab.Cli.Jobs;

/// <summary>How many runs of an experiment train at once by default (<c>--jobs</c>), and on how many threads each.</summary>
public static class JobCount
{
    /// <summary>
    /// Memory set aside per run when choosing the default: a run of the quick presets peaked at 0.6 GiB (small-cnn)
    /// to 1.1 GiB (ResNet-18); larger models at batch 128 need more, hence the margin.
    /// </summary>
    public const long MemoryPerRun = 2L << 30;

    /// <summary>
    /// The default number of runs at once: one per <paramref name="threads"/> cores (one per core when the thread count
    /// is not given), as many as <paramref name="memory"/> holds at <see cref="MemoryPerRun"/> each; 1 when the runs
    /// train on a GPU, which they would share.
    /// </summary>
    /// <param name="cores">Cores this process may use.</param>
    /// <param name="threads">The threads per run the user gave (<c>--threads</c>), or null.</param>
    /// <param name="gpu">Whether the runs train on a GPU.</param>
    /// <param name="memory">Memory available to the runs, in bytes.</param>
    public static int Default(int cores, int? threads, bool gpu, long memory)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cores, 1);
        if (gpu)
        {
            return 1;
        }

        var byCores = Math.Max(1, cores / Math.Max(1, threads ?? 1));
        var byMemory = (int)Math.Clamp(memory / MemoryPerRun, 1, int.MaxValue);
        return Math.Min(byCores, byMemory);
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
