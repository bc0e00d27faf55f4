using System.Runtime.InteropServices;

namespace LossLab.Hosting;

/// <summary>
/// Makes glibc's malloc keep freed memory for reuse instead of returning it to the kernel. By default every
/// allocation above 32 MiB (a batch-128 activation of a 64-channel 32×32 layer is 33.5 MiB) is a fresh
/// <c>mmap</c>, unmapped again on free, so each step faults in and zeroes every large activation again: measured
/// here at 2.3–2.9 million page faults and 3–5× lower throughput for small-cnn at batch 256. With mmap off and
/// a high trim threshold, the heap grows to the peak a step needs once and is reused from then on.
/// Setting the environment variable <c>LOSSLAB_KEEP_FREED_MEMORY=0</c> leaves malloc as it is (to measure the difference).
/// A process-wide setting: applied only through <see cref="ProcessSettings.Apply"/>, never by the library on its own.
/// </summary>
public static class NativeAllocator
{
    // mallopt parameters (malloc.h).
    private const int TrimThreshold = -1;
    private const int MmapMax = -4;

    /// <summary>Environment variable that turns the setting off when it is <c>0</c>.</summary>
    public const string SwitchVariable = "LOSSLAB_KEEP_FREED_MEMORY";

    private static readonly Lazy<bool> Applied = new(Apply);

    /// <summary>Whether the setting is in force (<see cref="ProcessSettings.Apply"/> made it, and malloc took it).</summary>
    public static bool IsKeepingFreedMemory => Applied.IsValueCreated && Applied.Value;

    /// <summary>Applies the setting once per process; does nothing where the C library is not glibc.</summary>
    /// <returns>Whether the setting is in force.</returns>
    internal static bool KeepFreedMemory() => Applied.Value;

    private static bool Apply()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(SwitchVariable) == "0")
        {
            return false;
        }

        try
        {
            return mallopt(MmapMax, 0) == 1 && mallopt(TrimThreshold, int.MaxValue) == 1;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    /// <summary>
    /// Returns the heap's free pages to the kernel (glibc's <c>malloc_trim</c>) when the setting is in force, and does
    /// nothing otherwise (malloc then trims by itself). Training calls it between epochs, so that memory freed by one
    /// phase (training steps, evaluation batches of other sizes, checkpoint buffers) is not held through the next.
    /// Costs a few milliseconds and one step's page faults when training resumes.
    /// </summary>
    /// <returns>Whether memory was returned.</returns>
    public static bool ReleaseFreeMemory() =>
        // The setting in force means glibc answered mallopt, so its malloc_trim is there too.
        IsKeepingFreedMemory && malloc_trim(0) == 1;

    [DllImport("libc", EntryPoint = "malloc_trim")]
    private static extern int malloc_trim(nuint pad);

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int mallopt(int parameter, int value);
}
