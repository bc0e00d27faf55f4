using System.Diagnostics;
using LossLab.Data;
using LossLab.Evaluation;
using LossLab.Hosting;
using LossLab.Losses;
using LossLab.Metrics;
using LossLab.Models;
using LossLab.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Cli.Benchmarking;

/// <summary>
/// <c>losslab bench</c>: times, in one process and interleaved repeat by repeat, (1) the pure training step of a
/// model and loss on synthetic tensors, (2) the same step inside the trainer's real loop (reader, sampler,
/// augmentation, background prefetch, non-finite checks, progress logging), (3) libtorch's matrix multiply as the
/// FLOP/s ceiling and, optionally, (4) the embedding metrics and (5) a saved run's end-to-end evaluation. Reports medians and their ratios.
/// </summary>
public static class ThroughputBenchmark
{
    /// <summary>Runs the measurements <paramref name="options"/> ask for.</summary>
    /// <param name="options">What to measure.</param>
    /// <param name="log">Receives one line per repeat.</param>
    public static BenchReport Run(BenchOptions options, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        options.Validate();
        var threads = ProcessSettings.ApplyThreads(options.Threads);
        var keepsFreedMemory = NativeAllocator.IsKeepingFreedMemory;
        var runs = new Dictionary<string, List<double>>
        {
            ["matmul_flops_per_s"] = [],
            ["train_img_per_s"] = [],
            ["pipeline_img_per_s"] = [],
            ["eval_seconds"] = [],
            ["eval_peak_mb"] = [],
            ["evaluation_seconds"] = [],
        };

        using var matmul = new MatmulProbe(options.MatmulSize, options.Seed);
        using var training = options.Steps > 0 ? TrainingProbe.Create(options, log) : null;
        using var evaluation = options.Eval ? EvalProbe.Create(options) : null;
        using var runEvaluation = options.EvalRun is { } run ? EvaluationProbe.Open(run, options.ClassMeanImages) : null;
        EpochMetrics? evaluated = null;

        // Warm-up: oneDNN primitives, allocator pools, JIT, thread teams.
        matmul.FlopsPerSecond();
        if (training is not null && options.WarmupSteps > 0)
        {
            training.Pure(options.WarmupSteps);
            if (options.Pipeline)
            {
                training.Pipeline(options.WarmupSteps);
            }
        }

        for (var r = 0; r < options.Repeats; r++)
        {
            // Alternate the order so that a drift in machine load does not favour one measurement.
            var steps = new List<Action>
            {
                () => runs["matmul_flops_per_s"].Add(matmul.FlopsPerSecond()),
            };
            if (training is not null)
            {
                steps.Add(() => runs["train_img_per_s"].Add(training.Pure(options.Steps)));
                if (options.Pipeline)
                {
                    steps.Add(() => runs["pipeline_img_per_s"].Add(training.Pipeline(options.Steps)));
                }
            }

            if (evaluation is not null)
            {
                steps.Add(() =>
                {
                    var (seconds, peak) = evaluation.Time();
                    runs["eval_seconds"].Add(seconds);
                    runs["eval_peak_mb"].Add(peak);
                });
            }

            if (runEvaluation is not null)
            {
                steps.Add(() =>
                {
                    var (seconds, metrics) = runEvaluation.Time();
                    runs["evaluation_seconds"].Add(seconds);
                    evaluated = metrics;
                });
            }

            if (r % 2 == 1)
            {
                steps.Reverse();
            }

            steps.ForEach(step => step());
            log.WriteLine(FormattableString.Invariant(
                $"repeat {r + 1}/{options.Repeats}: {string.Join("  ", runs.Where(p => p.Value.Count > r).Select(p => $"{p.Key} {p.Value[r]:G4}"))}"));
        }

        var train = MedianOrNull(runs["train_img_per_s"]);
        var pipeline = MedianOrNull(runs["pipeline_img_per_s"]);
        var matmulFlops = Medians.Of(runs["matmul_flops_per_s"]);
        var trainFlops = train * 3.0 * training?.ForwardFlops;
        return new BenchReport
        {
            Model = options.Model,
            Loss = options.Loss,
            BatchSize = options.BatchSize,
            Steps = options.Steps,
            Repeats = options.Repeats,
            Threads = threads,
            KeepsFreedMemory = keepsFreedMemory,
            OmpWaitPolicy = NativeDefaults.Current(NativeDefaults.WaitPolicyVariable),
            OneDnnMaxCpuIsa = NativeDefaults.Current(NativeDefaults.IsaVariable),
            Dataset = training?.Source,
            TrainImgPerS = train,
            PipelineImgPerS = pipeline,
            PipelineOverTrain = pipeline / train,
            ForwardFlopsPerImage = training?.ForwardFlops,
            TrainFlopsPerS = trainFlops,
            MatmulFlopsPerS = matmulFlops,
            TrainOverMatmul = trainFlops / matmulFlops,
            EvalSeconds = MedianOrNull(runs["eval_seconds"]),
            EvalShape = evaluation is null ? null : $"{evaluation.Points}x{evaluation.Dim}",
            EvalPeakMb = runs["eval_peak_mb"].Count > 0 ? runs["eval_peak_mb"].Max() : null,
            EvaluationSeconds = MedianOrNull(runs["evaluation_seconds"]),
            EvaluationShape = runEvaluation?.Shape,
            EvaluationAccuracy = evaluated?.Accuracy,
            EvaluationF1Macro = evaluated?.F1Macro,
            RssMb = MemoryProbe.ResidentMb(),
            Runs = runs.Where(p => p.Value.Count > 0).ToDictionary(p => p.Key, p => (IReadOnlyList<double>)p.Value),
        };
    }

    private static double? MedianOrNull(List<double> values) => values.Count > 0 ? Medians.Of(values) : null;

    // libtorch's float32 matrix multiply: the FLOP/s a convolution lowered to GEMM could reach at best.
    private sealed class MatmulProbe : IDisposable
    {
        private const int Products = 3;
        private readonly Tensor a;
        private readonly Tensor b;
        private readonly int size;

        public MatmulProbe(int size, int seed)
        {
            this.size = size;
            using var generator = new Generator((ulong)seed);
            a = torch.randn([size, size], generator: generator);
            b = torch.randn([size, size], generator: generator);
        }

        public double FlopsPerSecond()
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < Products; i++)
            {
                a.matmul(b).Dispose();
            }

            return 2.0 * size * size * size * Products / watch.Elapsed.TotalSeconds;
        }

        public void Dispose()
        {
            a.Dispose();
            b.Dispose();
        }
    }

    // One model, loss and optimizer, stepped either on synthetic tensors or through the trainer's loop.
    private sealed class TrainingProbe : IDisposable
    {
        private readonly ImageDataset data;
        private readonly TrainingSession session;
        private readonly Tensor images;
        private readonly Tensor labels;
        private int epoch = 1;
        private int[][] batches;
        private int next;

        private TrainingProbe(ImageDataset data, TrainingSession session, int batchSize, int seed)
        {
            this.data = data;
            this.session = session;
            batches = session.Batches(epoch);
            using var generator = new Generator((ulong)seed);
            images = torch.randn([batchSize, data.Channels, data.Height, data.Width], generator: generator);
            labels = torch.randint(data.NumClasses, [batchSize], generator: generator);
            ForwardFlops = ModelFlops.Estimate(session.Model, data.Channels, data.Height, data.Width);
        }

        public long ForwardFlops { get; }

        public string Source => data.Source;

        public static TrainingProbe Create(BenchOptions options, TextWriter log)
        {
            var train = options.ToTrainOptions() with { EmbeddingMetrics = false };
            train.Validate();
            var data = DatasetRegistry.Load(train.Dataset, new DataOptions { DataDir = options.DataDir });
            try
            {
                log.WriteLine($"data: {data.Name} from {data.Source}: {data.Train.Count} train images, {data.Channels}×{data.Height}×{data.Width}");
                var session = new TrainingSession(train, data, new ConsoleProgress(TextWriter.Null, interactive: true));
                return new TrainingProbe(data, session, options.BatchSize, options.Seed);
            }
            catch
            {
                data.Dispose();
                throw;
            }
        }

        // Forward, loss, backward and optimizer step on fixed synthetic tensors: the ceiling of the pipeline.
        public double Pure(int steps)
        {
            var (model, loss, optimizer) = (session.Model, session.Loss, session.Optimizer);
            model.train();
            var watch = Stopwatch.StartNew();
            for (var s = 0; s < steps; s++)
            {
                using var scope = torch.NewDisposeScope();
                optimizer.zero_grad();
                var output = model.forward(images);
                var value = loss.forward(loss.Input == LossInput.Logits ? output.Logits! : output.Embedding, labels);
                value.backward();
                optimizer.step();
                value.item<float>();
            }

            return steps * images.shape[0] / watch.Elapsed.TotalSeconds;
        }

        // The next steps of the trainer's own epoch loop, moving on to the next epoch's batches when one runs out.
        public double Pipeline(int steps)
        {
            if (next + steps > batches.Length)
            {
                epoch++;
                batches = session.Batches(epoch);
                next = 0;
                if (steps > batches.Length)
                {
                    throw new ArgumentOutOfRangeException("--steps", steps, $"an epoch of {data.Name} has only {batches.Length} batches");
                }
            }

            var start = new EpochProgress(next, 0, 0, 0, 0);
            var progress = session.Train(epoch, batches, start, next + steps, CancellationToken.None);
            next += steps;
            return progress.Images / progress.Seconds;
        }

        public void Dispose()
        {
            images.Dispose();
            labels.Dispose();
            session.Dispose();
            data.Dispose();
        }
    }

    // The embedding metrics on fixed embeddings: synthetic Gaussian classes, or a CSV.
    private sealed class EvalProbe : IDisposable
    {
        private readonly Tensor embeddings;
        private readonly Tensor labels;
        private readonly int classes;
        private readonly EmbeddingMetricOptions metricOptions;

        private EvalProbe(Tensor embeddings, Tensor labels, int classes, EmbeddingMetricOptions metricOptions)
        {
            this.embeddings = embeddings;
            this.labels = labels;
            this.classes = classes;
            this.metricOptions = metricOptions;
        }

        public int Points => (int)embeddings.shape[0];

        public int Dim => (int)embeddings.shape[1];

        public static EvalProbe Create(BenchOptions options)
        {
            var metricOptions = new EmbeddingMetricOptions { Seed = options.Seed };
            if (options.EvalRestarts is { } restarts)
            {
                metricOptions = metricOptions with { Restarts = restarts };
            }

            if (options.EvalCsv is { } path)
            {
                var table = MetricsFiles.ReadEmbeddings(path);
                var tableLabels = torch.tensor(table.Labels);
                using var distinct = tableLabels.unique().Item1;
                return new EvalProbe(table.ToTensor(), tableLabels, (int)distinct.shape[0], metricOptions);
            }

            // Class centres N(0, 1) plus N(0, 2.5²) noise: clusters that overlap, as real embeddings do.
            using var scope = torch.NewDisposeScope();
            using var generator = new Generator((ulong)options.Seed);
            var centres = torch.randn([options.EvalClasses, options.EvalDim], generator: generator);
            var y = torch.randint(options.EvalClasses, [options.EvalPoints], generator: generator);
            var x = centres.index_select(0, y) + (2.5 * torch.randn([options.EvalPoints, options.EvalDim], generator: generator));
            return new EvalProbe(x.MoveToOuterDisposeScope(), y.MoveToOuterDisposeScope(), options.EvalClasses, metricOptions);
        }

        // Seconds of one evaluation and how far the peak resident memory rose above the memory before it (MiB).
        public (double Seconds, double PeakMb) Time()
        {
            var before = MemoryProbe.ResidentMb();
            MemoryProbe.ResetPeak();
            var watch = Stopwatch.StartNew();
            EmbeddingMetrics.Compute(embeddings, labels, classes, metricOptions);
            var seconds = watch.Elapsed.TotalSeconds;
            return (seconds, Math.Max(0, MemoryProbe.PeakMb() - before));
        }

        public void Dispose()
        {
            embeddings.Dispose();
            labels.Dispose();
        }
    }
}
