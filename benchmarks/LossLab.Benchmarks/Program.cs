using System.Diagnostics;
using TorchSharp;

namespace LossLab.Benchmarks;

/// <summary>Micro-benchmarks of the pieces a training step is made of.</summary>
public static class Program
{
    /// <summary>
    /// Measures libtorch's matrix-multiply throughput, the ceiling the trainer is compared with; or, with
    /// <c>class-means SIZES DRAWS RUN...</c> (sizes comma-separated), runs <see cref="ClassMeanSubsetStudy"/>;
    /// with <c>infer-layout THREADS BATCH REPEATS [CHANNELS SIZE]</c>, runs <see cref="InferLayoutBenchmark"/>.
    /// </summary>
    public static int Main(string[] args)
    {
        if (args is ["class-means", var sizes, var draws, .. var runs])
        {
            ClassMeanSubsetStudy.Run([.. sizes.Split(',').Select(s => int.Parse(s, System.Globalization.CultureInfo.InvariantCulture))], int.Parse(draws, System.Globalization.CultureInfo.InvariantCulture), runs);
            return 0;
        }

        if (args is ["infer-layout", .. var layout] && layout.Length is 3 or 5)
        {
            var values = layout.Select(v => int.Parse(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            InferLayoutBenchmark.Run(values[0], values[1], values[2], values.Length == 5 ? values[3] : 1, values.Length == 5 ? values[4] : 28);
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
