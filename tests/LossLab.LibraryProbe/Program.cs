using System.Globalization;
using System.Text.Json;
using LossLab.Data;
using LossLab.Hosting;
using LossLab.Losses;
using LossLab.Runs;
using LossLab.Training;
using TorchSharp;

namespace LossLab.LibraryProbe;

/// <summary>
/// Trains and evaluates a tiny Fashion-MNIST run through the library, as a program using LossLab would, and prints
/// one JSON object of what it saw of its own process: the OpenMP/oneDNN variables in the C environment, libtorch's
/// thread count on the main thread and on a thread started afterwards, whether malloc still serves a 64 MiB request
/// with mmap (glibc's default), the batch-preparing threads alive between epochs, and what reached the console.
/// </summary>
/// <remarks>Usage: <c>LossLab.LibraryProbe RUN_DIR [--apply THREADS]</c>; <c>--apply</c> first opts in with
/// <see cref="ProcessSettings.Apply"/> and those threads.</remarks>
internal static class Program
{
    private static readonly string[] Variables = ["OMP_WAIT_POLICY", "ONEDNN_MAX_CPU_ISA"];

    private static int Main(string[] args)
    {
        var runDirectory = args[0];
        int? applyThreads = args.Length == 3 && args[1] == "--apply" ? int.Parse(args[2], CultureInfo.InvariantCulture) : null;
        var report = new Dictionary<string, object?> { ["environment_before"] = Native.Variables(Variables) };
        if (applyThreads is { } threads)
        {
            ProcessSettings.Apply(new ProcessSettings { Threads = threads });
        }

        var stdout = Console.Out;
        var stderr = Console.Error;
        using var console = new StringWriter();
        Console.SetOut(console);
        Console.SetError(console);
        try
        {
            report["threads_before"] = torch.get_num_threads();
            report["new_thread_threads_before"] = OnNewThread(torch.get_num_threads);

            // The run asks for 2 threads: a program applies them itself (the CLI does); the library must not.
            var options = new TrainOptions
            {
                Dataset = "fashion-mnist",
                Model = "small-cnn",
                LossOptions = new CrossEntropyLossOptions(),
                TrainLimit = 64,
                TestLimit = 32,
                BatchSize = 16,
                Epochs = 2,
                Threads = 2,
                Device = DeviceKind.Cpu,
                EmbeddingMetrics = false,
            };
            var observer = new ThreadCountingObserver();
            using (var data = DatasetRegistry.Load(options.Dataset, new DataOptions()))
            {
                new Trainer(options, observer).Run(data, new RunDirectory(runDirectory), resume: false, CancellationToken.None);
            }

            using (var saved = SavedRun.Open(runDirectory, "last", device: DeviceKind.Cpu))
            {
                report["evaluated_accuracy"] = saved.Evaluate().Accuracy;
            }

            report["threads_used"] = new RunDirectory(runDirectory).ReadConfig()?.ThreadsUsed;
            report["prefetch_threads_between_epochs"] = observer.PrefetchThreadsAfterEpoch;
            report["observer_lines"] = observer.Lines;
            report["threads_after"] = torch.get_num_threads();
            report["new_thread_threads_after"] = OnNewThread(torch.get_num_threads);
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }

        report["console"] = console.ToString();
        report["environment_after"] = Native.Variables(Variables);
        report["large_malloc_mapped"] = Native.LargeMallocIsMapped();
        Console.WriteLine(JsonSerializer.Serialize(report));
        return 0;
    }

    private static int OnNewThread(Func<int> read)
    {
        var value = 0;
        var thread = new Thread(() => value = read());
        thread.Start();
        thread.Join();
        return value;
    }
}
