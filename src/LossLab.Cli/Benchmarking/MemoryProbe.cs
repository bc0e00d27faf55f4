using System.Globalization;

namespace LossLab.Cli.Benchmarking;

/// <summary>The process's memory as Linux reports it in <c>/proc/self/status</c>; zeros elsewhere.</summary>
public static class MemoryProbe
{
    private const string Status = "/proc/self/status";

    /// <summary>Resident set size (VmRSS) in MiB.</summary>
    public static double ResidentMb() => Read("VmRSS:");

    /// <summary>The anonymous part of the resident set (RssAnon: heaps, stacks, generated code) in MiB.</summary>
    public static double AnonymousMb() => Read("RssAnon:");

    /// <summary>The file-backed part of the resident set (RssFile: mapped libraries and files) in MiB.</summary>
    public static double FileBackedMb() => Read("RssFile:");

    /// <summary>Peak resident set size (VmHWM) in MiB since the process started or <see cref="ResetPeak"/>.</summary>
    public static double PeakMb() => Read("VmHWM:");

    /// <summary>Restarts the peak (VmHWM) at the current resident size (writes 5 to <c>/proc/self/clear_refs</c>).</summary>
    /// <returns>False when the kernel does not allow it; <see cref="PeakMb"/> then keeps the process-wide peak.</returns>
    public static bool ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static double Read(string key)
    {
        if (!File.Exists(Status))
        {
            return 0;
        }

        foreach (var line in File.ReadLines(Status))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                // "VmRSS:	  123456 kB"
                var kilobytes = long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                return kilobytes / 1024.0;
            }
        }

        return 0;
    }
}
