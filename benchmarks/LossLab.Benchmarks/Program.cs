using System.Diagnostics;
using TorchSharp;

namespace LossLab.Benchmarks;

/// <summary>Micro-benchmarks of the pieces a training step is made of.</summary>
public static class Program
{
    /// <summary>
    /// Measures libtorch's matrix-multiply throughput, the ceiling the trainer is compared with; or, with
    /// <c>class-means SIZES DRAWS RUN...</c> (sizes comma-separated), runs <see cref="ClassMeanSubsetStudy"/>;
    /// with <c>infer-layout THREADS BATCH REPEATS</c>, runs <see cref="InferLayoutBenchmark"/>.
    /// </summary>
    public static int Main(string[] args)
    {
        if (args is ["class-means", var sizes, var draws, .. var runs])
        {
            ClassMeanSubsetStudy.Run([.. sizes.Split(',').Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture))], int.Parse(draws, System.Globalization.CultureInfo.InvariantCulture), runs);
            return 0;
        }

        if (args is ["infer-layout", var threads, var batch, var repeats])
        {
            InferLayoutBenchmark.Run(int.Parse(threads, System.Globalization.CultureInfo.InvariantCulture), int.Parse(batch, System.Globalization.CultureInfo.InvariantCulture), int.Parse(repeats, System.Globalization.CultureInfo.InvariantCulture));
            return 0;
        }

        var n = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1024;
        using var a = torch.randn(n, n);
        using var b = torch.randn(n, n);
        a.matmul(b).Dispose();
        var watch = Stopwatch.StartNew();
        const int Repeats = 10;
        for (var i = 0; i < Repeats; i++)
        {
            a.matmul(b).Dispose();
        }

        var gflops = 2.0 * n * n * n * Repeats / watch.Elapsed.TotalSeconds / 1e9;
        Console.WriteLine($"matmul {n}x{n}: {gflops:F1} GFLOP/s on {torch.get_num_threads()} threads");
        return 0;
    }
}
