using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using LossLab.Cli.Benchmarking;
using LossLab.Runs;

namespace LossLab.Cli.Commands;

/// <summary><c>losslab bench</c>: training and evaluation throughput, measured in one run against libtorch's own ceilings.</summary>
public static class BenchCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Architecture (default small-cnn)", DefaultValueFactory = _ => "small-cnn" };
        var loss = new Option<string>("--loss") { Description = "Loss to train with (default ce, as the PyTorch reference)", DefaultValueFactory = _ => "ce" };
        var batchSize = new Option<int>("--batch-size") { Description = "Images per batch (default 128)", DefaultValueFactory = _ => 128 };
        var steps = new Option<int>("--steps") { Description = "Timed training steps per repeat, for the pure step and the pipeline each (default 5; 0 skips training)", DefaultValueFactory = _ => 5 };
        var noPipeline = new Option<bool>("--no-pipeline") { Description = "Time only the pure step, not the trainer's pipeline" };
        var warmup = new Option<int>("--warmup") { Description = "Untimed steps before the first repeat (default 1)", DefaultValueFactory = _ => 1 };
        var repeats = new Option<int>("--repeats") { Description = "Interleaved repeats; medians are reported (default 5)", DefaultValueFactory = _ => 5 };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for libtorch (default: all cores)" };
        var dataset = new Option<string?>("--dataset") { Description = "Dataset of the pipeline (default cifar10 when its files are found, else fashion-mnist)" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Folder holding the dataset files" };
        var seed = new Option<int>("--seed") { Description = "Seed (default 1)", DefaultValueFactory = _ => 1 };
        var matmulSize = new Option<int>("--matmul-size") { Description = "Side of the square matrices timing libtorch's matrix multiply (default 2048)", DefaultValueFactory = _ => 2048 };
        var eval = new Option<bool>("--eval") { Description = "Also time the embedding metrics (k-means NMI, pair F1, Recall@K)" };
        var points = new Option<int>("--n") { Description = "Embeddings for --eval (default 10000)", DefaultValueFactory = _ => 10_000 };
        var dim = new Option<int>("--dim") { Description = "Embedding width for --eval (default 128)", DefaultValueFactory = _ => 128 };
        var classes = new Option<int>("--classes") { Description = "Classes (k-means clusters) for --eval (default 10)", DefaultValueFactory = _ => 10 };
        var restarts = new Option<int?>("--restarts") { Description = "k-means restarts for --eval (default: the evaluation's 3)" };
        var evalRun = new Option<string?>("--eval-run") { Description = "Also time the end-to-end evaluation (forward passes, prediction, metrics) of this saved run's last checkpoint, as training does after each epoch" };
        var classMeanImages = new Option<int?>("--class-mean-images") { Description = "Training images for the class means of the --eval-run evaluation (default: the run's own setting)" };
        var embeddings = new Option<string?>("--embeddings") { Description = "Time --eval on this embeddings CSV (label, values...) instead of synthetic clusters" };
        var lossTiming = new Option<bool>("--loss-timing") { Description = "Also time the losses against cross-entropy, forward + backward: improved on 256×100 logits, the metric losses on 256×128 embeddings" };
        var memoryEpochs = new Option<int>("--memory-epochs") { Description = "Also train this many epochs of a small run (see --memory-train-limit) and report the resident memory after each (0: off)" };
        var memoryLimit = new Option<int>("--memory-train-limit") { Description = "Training images of the --memory-epochs run (default 1000)", DefaultValueFactory = _ => 1000 };
        var json = new Option<bool>("--json") { Description = "Print the report as one JSON object on standard output" };
        var command = new Command("bench", "Measure training throughput (pure step and full pipeline), FLOP/s against libtorch's matrix multiply, and the embedding metrics' time");
        Option[] all = [model, loss, batchSize, steps, noPipeline, warmup, repeats, threads, dataset, dataDir, seed, matmulSize, eval, points, dim, classes, restarts, embeddings, evalRun, classMeanImages, lossTiming, memoryEpochs, memoryLimit, json];
        foreach (var option in all)
        {
            command.Options.Add(option);
        }

        command.SetAction(parse => ErrorHandling.Run(() =>
        {
            var options = new BenchOptions
            {
                Model = parse.GetValue(model)!,
                Loss = parse.GetValue(loss)!,
                BatchSize = parse.GetValue(batchSize),
                Steps = parse.GetValue(steps),
                Pipeline = !parse.GetValue(noPipeline),
                WarmupSteps = parse.GetValue(warmup),
                Repeats = parse.GetValue(repeats),
                Threads = parse.GetValue(threads),
                Dataset = parse.GetValue(dataset),
                DataDir = parse.GetValue(dataDir),
                Seed = parse.GetValue(seed),
                MatmulSize = parse.GetValue(matmulSize),
                Eval = parse.GetValue(eval),
                EvalPoints = parse.GetValue(points),
                EvalDim = parse.GetValue(dim),
                EvalClasses = parse.GetValue(classes),
                EvalRestarts = parse.GetValue(restarts),
                EvalCsv = parse.GetValue(embeddings),
                EvalRun = parse.GetValue(evalRun),
                ClassMeanImages = parse.GetValue(classMeanImages),
            };
            var epochs = parse.GetValue(memoryEpochs);
            if (epochs is < 0 or 1 or 2)
            {
                throw new ArgumentOutOfRangeException("--memory-epochs", epochs, "must be 0 (off) or at least 3");
            }

            var log = Console.Error;
            var report = ThroughputBenchmark.Run(options, log);
            if (parse.GetValue(lossTiming))
            {
                report = report with
                {
                    LossTiming = LossBenchmark.Run(repeats: 3 * options.Repeats, seed: options.Seed),
                    EmbeddingLossTiming = EmbeddingLossBenchmark.Run(repeats: 3 * options.Repeats, seed: options.Seed),
                };
            }

            if (epochs > 0)
            {
                var run = options.ToTrainOptions() with
                {
                    Epochs = epochs,
                    TrainLimit = parse.GetValue(memoryLimit),
                    TestLimit = parse.GetValue(memoryLimit),
                };
                report = report with { Memory = MemoryBenchmark.Run(run, log), RssMb = MemoryProbe.ResidentMb() };
            }

            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(report, JsonDefaults.Compact));
            }
            else
            {
                Print(report);
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static void Print(BenchReport report)
    {
        static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
        Console.WriteLine(F($"{report.Model}, loss {report.Loss}, batch {report.BatchSize}, {report.Threads} threads, {report.Steps} steps × {report.Repeats} repeats (medians), OpenMP wait policy {report.OmpWaitPolicy ?? "default (spin)"}, oneDNN ISA limit {report.OneDnnMaxCpuIsa ?? "none"}"));
        if (report.TrainImgPerS is { } train)
        {
            Console.WriteLine(F($"  pure step        {train,10:F1} img/s"));
            if (report.PipelineImgPerS is { } pipeline)
            {
                Console.WriteLine(F($"  full pipeline    {pipeline,10:F1} img/s   ratio {report.PipelineOverTrain:F3}   ({report.Dataset})"));
            }

            Console.WriteLine(F($"  forward FLOPs    {report.ForwardFlopsPerImage / 1e6,10:F1} M/image; a step is counted as 3× forward"));
            Console.WriteLine(F($"  achieved         {report.TrainFlopsPerS / 1e9,10:F1} GFLOP/s = {report.TrainOverMatmul:P1} of matmul"));
        }

        Console.WriteLine(F($"  matmul           {report.MatmulFlopsPerS / 1e9,10:F1} GFLOP/s (libtorch, float32)"));
        if (report.EvalSeconds is { } eval)
        {
            Console.WriteLine(F($"  embedding metrics {report.EvalShape}: {eval:F3} s, peak +{report.EvalPeakMb:F1} MiB"));
        }

        if (report.EvaluationSeconds is { } evaluation)
        {
            Console.WriteLine(F($"  evaluation       {evaluation,10:F3} s   accuracy {report.EvaluationAccuracy:F4}, macro-F1 {report.EvaluationF1Macro:F4}   ({report.EvaluationShape})"));
        }

        if (report.LossTiming is { } loss)
        {
            Console.WriteLine(F($"  loss fwd+bwd {loss.Rows}×{loss.Classes}: improved {loss.ImprovedMicroseconds:F1} µs, ce {loss.CeMicroseconds:F1} µs, native ce {loss.NativeCeMicroseconds:F1} µs, improved/ce {loss.ImprovedOverCe:F2}"));
        }

        if (report.EmbeddingLossTiming is { } metric)
        {
            Console.WriteLine(F($"  loss fwd+bwd on {metric.Rows}×{metric.Dim} embeddings ({metric.Classes} classes × {metric.Rows / metric.Classes}), against head + ce {metric.CeMicroseconds:F1} µs:"));
            foreach (var (name, micros) in metric.Microseconds)
            {
                Console.WriteLine(F($"    {name,-20} {micros,8:F1} µs   {metric.OverCe[name],5:F2}× ce"));
            }
        }

        if (report.Memory is { } memory)
        {
            Console.WriteLine(F($"  rss per epoch    {string.Join(" ", memory.RssMb.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)))} MiB; after epoch {memory.Epochs} vs 2: {Math.Round(memory.GrowthAfterEpoch2, 3):+0.0%;-0.0%;0.0%}"));
        }

        Console.WriteLine(F($"  rss              {report.RssMb,10:F0} MiB"));
    }
}
