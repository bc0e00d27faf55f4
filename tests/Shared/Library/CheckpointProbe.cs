using LossLab.Losses;
using LossLab.Models;
using LossLab.Runs;
using LossLab.Training;

namespace LossLab.Tests;

/// <summary>Loads a run's checkpoint into fresh modules built from its config.json, as <c>--resume</c> does.</summary>
internal static class CheckpointProbe
{
    /// <summary>Loads <c>last.ckpt</c> (or <paramref name="file"/>) of the run in <paramref name="dir"/>; throws if it does not load.</summary>
    public static TrainingState Load(string dir, string file = "last.ckpt")
    {
        var run = new RunDirectory(dir);
        var config = run.ReadConfig() ?? throw new InvalidOperationException($"{run.ConfigPath} missing");
        var options = config.Options;
        using var loss = LossRegistry.Create(options.LossOptions, new LossContext(config.NumClasses, options.EmbeddingDim, Enumerable.Repeat(1L, config.NumClasses).ToArray()));
        using var model = ModelRegistry.Create(options.Model, 1, loss.Input == LossInput.Logits ? config.NumClasses : 0, options.EmbeddingDim);
        using var optimizer = TrainingSession.CreateOptimizer(options, model, loss);
        return Checkpoint.Load(Path.Combine(dir, file), model, loss, optimizer);
    }
}
