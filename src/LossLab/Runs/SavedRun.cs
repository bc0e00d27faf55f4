using LossLab.Data;
using LossLab.Evaluation;
using LossLab.Losses;
using LossLab.Models;
using LossLab.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Runs;

/// <summary>
/// A trained model restored from a run directory: its options, dataset, model and loss (with learnable
/// loss parameters), read from <c>config.json</c> and a checkpoint.
/// </summary>
public sealed class SavedRun : IDisposable
{
    private SavedRun(RunDirectory run, string checkpointPath, TrainOptions options, ImageDataset data, LabModel model, LossModule loss, Device device, TrainingState state)
    {
        Run = run;
        CheckpointPath = checkpointPath;
        Options = options;
        Data = data;
        Model = model;
        Loss = loss;
        Device = device;
        State = state;
    }

    /// <summary>The run directory.</summary>
    public RunDirectory Run { get; }

    /// <summary>Absolute path of the checkpoint the model was read from.</summary>
    public string CheckpointPath { get; }

    /// <summary>The run's options (with the dataset override, if any).</summary>
    public TrainOptions Options { get; }

    /// <summary>The dataset the model is evaluated on.</summary>
    public ImageDataset Data { get; }

    /// <summary>The restored model.</summary>
    public LabModel Model { get; }

    /// <summary>The restored loss (decides whether predictions use the classifier or the nearest class mean).</summary>
    public LossModule Loss { get; }

    /// <summary>Device the model is on.</summary>
    public Device Device { get; }

    /// <summary>Training state stored in the checkpoint (epochs done, history).</summary>
    public TrainingState State { get; }

    /// <summary>Opens a run.</summary>
    /// <param name="directory">Run directory holding config.json and checkpoints.</param>
    /// <param name="checkpoint"><c>best</c> (default), <c>last</c>, or the path of a checkpoint file written for this run.</param>
    /// <param name="dataset">Evaluate on this dataset instead of the run's own (same classes and image shape).</param>
    /// <param name="dataDir">Data root for the dataset.</param>
    /// <param name="device">Where to evaluate; auto (default) picks CUDA when available.</param>
    /// <exception cref="DataFormatException">The directory is not a run, or the checkpoint is missing or unreadable.</exception>
    public static SavedRun Open(string directory, string checkpoint = "best", string? dataset = null, string? dataDir = null, DeviceKind device = DeviceKind.Auto)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
        {
            throw new ArgumentException($"--run: '{directory}' is not a directory", "--run");
        }

        var run = new RunDirectory(directory);
        var config = run.ReadConfig() ?? throw new DataFormatException(run.ConfigPath, "expected a LossLab run's config.json, found none");
        var path = checkpoint switch
        {
            "best" => run.BestCheckpointPath,
            "last" => run.LastCheckpointPath,
            _ when File.Exists(checkpoint) => Path.GetFullPath(checkpoint),
            _ => throw new ArgumentException($"--checkpoint: '{checkpoint}' is not valid; valid: best, last or a checkpoint file", "--checkpoint"),
        };
        if (!File.Exists(path))
        {
            throw new DataFormatException(path, "expected a checkpoint, found none (has the run finished an epoch?)");
        }

        var options = config.Options with
        {
            Dataset = dataset ?? config.Options.Dataset,
            DataDir = dataDir ?? config.Options.DataDir,
        };
        var target = DeviceSelector.Resolve(device);
        var data = DatasetRegistry.Load(options.Dataset, new DataOptions { DataDir = options.DataDir });
        try
        {
            if (data.NumClasses != config.NumClasses)
            {
                throw new ArgumentException($"--dataset: {options.Dataset} has {data.NumClasses} classes, the model was trained on {config.NumClasses}", "--dataset");
            }

            Tensor trainLabels;
            using (var trainIndices = RunSubsets.Train(options, data))
            {
                trainLabels = data.Train.Labels.index_select(0, trainIndices);
            }

            LossModule loss;
            using (trainLabels)
            {
                loss = TrainingSession.CreateLoss(options, data.NumClasses, trainLabels.data<long>().ToArray());
            }

            var model = ModelRegistry.Create(options.Model, data.Channels, loss.Input == LossInput.Logits ? data.NumClasses : 0, options.EmbeddingDim);
            try
            {
                model.to(target);
                loss.to(target);
                var state = Checkpoint.Load(path, model, loss, optimizer: null);

                // Runs of versions before run tokens have none on either side and are read as before.
                if (state.RunToken != config.RunToken)
                {
                    throw new DataFormatException(path, $"belongs to another run (its run token is {state.RunToken ?? "missing"}, config.json's is {config.RunToken ?? "missing"}): it was copied here or left by another run");
                }

                return new SavedRun(run, path, options, data, model, loss, target, state);
            }
            catch
            {
                model.Dispose();
                loss.Dispose();
                throw;
            }
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Evaluates the model on the test split exactly as training does after each epoch: on the run's libtorch threads
    /// (<see cref="TrainOptions.Threads"/>, which the program applies first with
    /// <see cref="Hosting.ProcessSettings.ApplyThreads"/>), the metrics equal those training logged.
    /// </summary>
    public EpochMetrics Evaluate()
    {
        using var trainIndices = RunSubsets.Train(Options, Data);
        using var testIndices = RunSubsets.Test(Options, Data);
        var evaluator = new Evaluator(new BatchTransform(Data.Mean, Data.Std), Device);
        return evaluator.Evaluate(Model, Loss, Data, trainIndices, testIndices, Options.EmbeddingMetrics, Options.Seed, Options.ClassMeanImages) with
        {
            Epoch = State.EpochsDone,
        };
    }

    /// <summary>Test-split embeddings and labels, on the CPU; the caller disposes them.</summary>
    public (Tensor Embeddings, Tensor Labels) EmbedTest()
    {
        using var indices = RunSubsets.Test(Options, Data);
        var evaluator = new Evaluator(new BatchTransform(Data.Mean, Data.Std), Device);
        var (embeddings, logits) = evaluator.Embed(Model, Data.Test, indices);
        logits?.Dispose();
        return (embeddings, Data.Test.Labels.index_select(0, indices));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Model.Dispose();
        Loss.Dispose();
        Data.Dispose();
    }
}
