using System.Diagnostics;
using System.Globalization;
using LossLab.Hosting;
using LossLab.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Benchmarks;

/// <summary>
/// The convolution stack of small-cnn's inference path (three 3×3 convolutions with their batch norms
/// folded, ReLU, 2×2 max-pooling as the maximum of strided views, 2×2 average pooling) on random images
/// (28×28 single-channel as Fashion-MNIST, or 32×32 RGB as CIFAR) with random weights, in the default (NCHW)
/// layout and channels-last, interleaved, with small-cnn's own layout conversion and max-pool.
/// It shows what the layout alone is worth; the evaluation end to end is measured by
/// <c>benchmarks/eval_share.sh</c>.
/// </summary>
public static class InferLayoutBenchmark
{
    private const int Images = 2048;

    /// <summary>Prints the largest relative difference between the layouts and ms per image of each repeat.</summary>
    /// <param name="threads">libtorch threads.</param>
    /// <param name="batch">Images per forward pass.</param>
    /// <param name="repeats">Interleaved repeats over <see cref="Images"/> images each.</param>
    /// <param name="inputChannels">Image channels (1 or 3).</param>
    /// <param name="size">Image side.</param>
    public static void Run(int threads, int batch, int repeats, int inputChannels = 1, int size = 28)
    {
        // As the losslab command runs: oneDNN limited to AVX2, passive OpenMP waits.
        ProcessSettings.Apply(new ProcessSettings());
        torch.set_num_threads(threads);
        torch.manual_seed(1);
        int[] channels = [inputChannels, 32, 64, 128];
        var weights = new Tensor[3];
        var biases = new Tensor[3];
        for (var s = 0; s < 3; s++)
        {
            weights[s] = torch.randn(channels[s + 1], channels[s], 3, 3) * 0.1;
            biases[s] = torch.randn(channels[s + 1]) * 0.1;
        }

        using var images = torch.randn(Images, inputChannels, size, size);
        using var inference = torch.inference_mode();
        using (var nchw = Forward(images.narrow(0, 0, batch), weights, biases, channelsLast: false))
        using (var last = Forward(images.narrow(0, 0, batch), weights, biases, channelsLast: true))
        {
            var difference = ((nchw - last).abs().max() / nchw.abs().max()).item<float>();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{inputChannels}×{size}×{size} images, {threads} thread(s), batches of {batch}: largest difference {difference:E2} of the largest output"));
        }

        var times = new Dictionary<bool, List<double>> { [false] = [], [true] = [] };
        for (var r = 0; r < repeats; r++)
        {
            foreach (var channelsLast in new[] { r % 2 == 1, r % 2 == 0 })
            {
                var watch = Stopwatch.StartNew();
                for (long start = 0; start < Images; start += batch)
                {
                    Forward(images.narrow(0, start, Math.Min(batch, Images - start)), weights, biases, channelsLast).Dispose();
                }

                times[channelsLast].Add(watch.Elapsed.TotalMilliseconds / Images);
            }
        }

        foreach (var (channelsLast, ms) in times)
        {
            var sorted = ms.Order().ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{(channelsLast ? "channels-last" : "NCHW         ")}: ms/image {string.Join(" ", ms.Select(t => t.ToString("F3", CultureInfo.InvariantCulture)))}; median {sorted[sorted.Count / 2]:F3}"));
        }
    }

    private static Tensor Forward(Tensor input, Tensor[] weights, Tensor[] biases, bool channelsLast)
    {
        using var scope = torch.NewDisposeScope();
        var x = channelsLast ? SmallCnn.ChannelsLast(input) : input;
        for (var s = 0; s < weights.Length; s++)
        {
            x = nn.functional.conv2d(x, channelsLast ? SmallCnn.ChannelsLast(weights[s]) : weights[s], biases[s], padding: [1, 1]).relu_();
            x = s < weights.Length - 1 ? SmallCnn.MaxPool2(x) : nn.functional.adaptive_avg_pool2d(x, [2, 2]).flatten(1);
        }

        return x.MoveToOuterDisposeScope();
    }
}
