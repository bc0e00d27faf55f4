using System.Diagnostics;
using LossLab.Data;

namespace LossLab.Tests.Data;

/// <summary>Runs a fuzz test's mutations, shared by the reader and run-file fuzz tests.</summary>
internal static class FuzzRunner
{
    /// <summary>Runs the mutations; fails on any exception other than <see cref="DataFormatException"/>.</summary>
    /// <returns>A one-line summary: mutations, accepted, rejected, time.</returns>
    public static string Run(int count, Action<int> attempt)
    {
        var clock = Stopwatch.StartNew();
        var (accepted, rejected) = (0, 0);
        for (var i = 0; i < count; i++)
        {
            try
            {
                attempt(i);
                accepted++;
            }
            catch (DataFormatException)
            {
                rejected++;
            }
            catch (Exception e)
            {
                Assert.Fail($"mutation {i}: {e.GetType().Name} escaped: {e}");
            }
        }

        // A fuzz run where every mutation fails or none does explores nothing.
        Assert.True(accepted > 0 && rejected > 0, $"accepted {accepted}, rejected {rejected}");
        return $"{count} mutations: {accepted} accepted, {rejected} rejected in {clock.Elapsed.TotalSeconds:F2} s";
    }
}
