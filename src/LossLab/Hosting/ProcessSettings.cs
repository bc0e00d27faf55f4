using TorchSharp;

namespace LossLab.Hosting;

/// <summary>
/// Process-wide settings that make LossLab's training faster or sturdier but change the whole process: glibc
/// malloc's handling of freed memory, the OpenMP and oneDNN environment libtorch reads when it loads, libtorch's
/// thread counts, and a background thread kept between epochs. The library makes none of them by itself; a program
/// opts in with one call to <see cref="Apply"/>, first thing in <c>Main</c>, before any tensor is made. The
/// <c>losslab</c> command applies the defaults of this record that way.
/// </summary>
/// <example>
/// <code>
/// // First line of Main: every default, and libtorch on 4 threads.
/// ProcessSettings.Apply(new ProcessSettings { Threads = 4 });
/// </code>
/// </example>
public sealed record ProcessSettings
{
    private static readonly object Gate = new();
    private static ProcessSettings? current;

    /// <summary>
    /// Makes glibc's malloc keep freed memory for reuse instead of unmapping it (see <see cref="NativeAllocator"/>;
    /// 3–5× the small-cnn throughput at batch 256 here). Training then returns the heap's free pages to the kernel
    /// after each epoch, and prepares every epoch's batches on one thread kept for the session (a thread per epoch
    /// would leave a malloc arena of freed memory per epoch). Default true; <c>LOSSLAB_KEEP_FREED_MEMORY=0</c> in
    /// the environment, or a C library other than glibc, leaves malloc as it is.
    /// </summary>
    public bool KeepFreedMemory { get; init; } = true;

    /// <summary>
    /// Sets <c>OMP_WAIT_POLICY=PASSIVE</c>, unless <c>OMP_WAIT_POLICY</c> or <c>GOMP_SPINCOUNT</c> is set: libtorch's
    /// OpenMP threads then sleep while they wait instead of spinning, which matters when another busy process shares
    /// the cores (see <see cref="NativeDefaults"/>). Takes effect only before libtorch loads. Default true.
    /// </summary>
    public bool PassiveOpenMpWait { get; init; } = true;

    /// <summary>
    /// Sets <c>ONEDNN_MAX_CPU_ISA=AVX2</c>, unless <c>ONEDNN_MAX_CPU_ISA</c> or <c>DNNL_MAX_CPU_ISA</c> is set: on
    /// AVX-512 machines libtorch 2.10's oneDNN returned NaN from finite input for some convolution shapes, GoogLeNet's
    /// among them (see <see cref="NativeDefaults"/>). Takes effect only before libtorch loads. Default true.
    /// </summary>
    public bool LimitOneDnnToAvx2 { get; init; } = true;

    /// <summary>
    /// Lets training run libtorch on one thread where it prepares the next batch in the background, so that the
    /// gathers there do not start a second OpenMP team competing for the cores the training step uses. libtorch
    /// keeps its thread count per thread, but setting it also changes, while the batches are prepared, the count that
    /// threads started meanwhile begin with. Default true.
    /// </summary>
    public bool SingleThreadedPrefetch { get; init; } = true;

    /// <summary>
    /// libtorch intra-op threads to set (<see cref="ApplyThreads"/>); default null, which leaves libtorch's count as it
    /// is (one per core, or <c>OMP_NUM_THREADS</c>).
    /// </summary>
    public int? Threads { get; init; }

    /// <summary>
    /// The settings a program applied, merged over its calls; null when none did, and LossLab then changes nothing in
    /// the process.
    /// </summary>
    public static ProcessSettings? Current
    {
        get
        {
            lock (Gate)
            {
                return current;
            }
        }
    }

    /// <summary>
    /// Applies <paramref name="settings"/> to this process: first the environment (before libtorch loads, which reads
    /// it once), then malloc, then <see cref="Threads"/> when given. A setting once made stays: a later call adds to
    /// earlier ones and may change <see cref="Threads"/>, but does not undo them.
    /// </summary>
    /// <param name="settings">What to apply; <c>new ProcessSettings()</c> for what the <c>losslab</c> command uses.</param>
    /// <returns>The settings now in force (<see cref="Current"/>); <see cref="KeepFreedMemory"/> is false where malloc did not take it.</returns>
    public static ProcessSettings Apply(ProcessSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Threads is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(settings), settings.Threads, "Threads must be ≥ 1");
        }

        lock (Gate)
        {
            if (settings.PassiveOpenMpWait)
            {
                NativeDefaults.ApplyWaitPolicy();
            }

            if (settings.LimitOneDnnToAvx2)
            {
                NativeDefaults.ApplyIsaLimit();
            }

            var keepsFreedMemory = settings.KeepFreedMemory && NativeAllocator.KeepFreedMemory();
            current = new ProcessSettings
            {
                KeepFreedMemory = keepsFreedMemory || current?.KeepFreedMemory == true,
                PassiveOpenMpWait = settings.PassiveOpenMpWait || current?.PassiveOpenMpWait == true,
                LimitOneDnnToAvx2 = settings.LimitOneDnnToAvx2 || current?.LimitOneDnnToAvx2 == true,
                SingleThreadedPrefetch = settings.SingleThreadedPrefetch || current?.SingleThreadedPrefetch == true,
                Threads = current?.Threads,
            };
            if (settings.Threads is { } threads)
            {
                ApplyThreads(threads);
            }

            return current;
        }
    }

    /// <summary>
    /// Sets libtorch's intra-op threads for the calling thread and for threads that start using libtorch later: what
    /// a program does before each run it trains or evaluates, with the run's <c>TrainOptions.Threads</c>, so that the
    /// same seed and threads give the same metrics. Loads libtorch.
    /// </summary>
    /// <param name="threads">The thread count; null means one per core, as <c>--threads</c> does when not given.</param>
    /// <returns>The thread count in force (also <see cref="Current"/>'s <see cref="Threads"/> once settings were applied).</returns>
    public static int ApplyThreads(int? threads)
    {
        if (threads is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(threads), threads, "must be ≥ 1");
        }

        var count = threads ?? Environment.ProcessorCount;
        lock (Gate)
        {
            torch.set_num_threads(count);
            if (current is not null)
            {
                current = current with { Threads = count };
            }
        }

        return count;
    }
}
