using System.Globalization;

namespace LossLab.Cli.Tests.Jobs;

/// <summary>Processes by parent, read from <c>/proc</c>, and whether they still run.</summary>
internal static class ProcessTree
{
    /// <summary>The ids of the live processes whose parent is <paramref name="parent"/>.</summary>
    public static int[] Children(int parent) =>
        Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => name!.All(char.IsAsciiDigit))
            .Select(name => int.Parse(name!, CultureInfo.InvariantCulture))
            .Where(pid => ParentOf(pid) == parent && IsAlive(pid))
            .ToArray();

    /// <summary>Whether <paramref name="pid"/> runs (a zombie, which has ended, does not).</summary>
    public static bool IsAlive(int pid) => State(pid) is { } state && state != 'Z' && state != 'X';

    /// <summary>Whether the process ignores <paramref name="signal"/> (as a background job of a non-interactive shell ignores SIGINT).</summary>
    public static bool Ignores(int pid, int signal)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        var mask = ulong.Parse(line["SigIgn:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return (mask & (1UL << (signal - 1))) != 0;
    }

    /// <summary>Waits until none of <paramref name="pids"/> runs; returns those still running at the timeout.</summary>
    public static int[] WaitUntilEnded(IEnumerable<int> pids, TimeSpan timeout)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var left = pids.ToArray();
        while ((left = left.Where(IsAlive).ToArray()).Length > 0 && watch.Elapsed < timeout)
        {
            Thread.Sleep(100);
        }

        return left;
    }

    private static int? ParentOf(int pid) => Field(pid, 1) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : null;

    private static char? State(int pid) => Field(pid, 0) is { } text ? text[0] : null;

    /// <summary>A field of <c>/proc/PID/stat</c> after the command name: 0 the state, 1 the parent id.</summary>
    private static string? Field(int pid, int index)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ')[index];
        }
        catch (IOException)
        {
            return null;
        }
    }
}
