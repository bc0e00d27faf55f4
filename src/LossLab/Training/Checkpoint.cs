using System.Text;
using System.Text.Json;
using static TorchSharp.torch;

namespace LossLab.Training;

/// <summary>
/// One file holding model, loss parameters, optimizer state and <see cref="TrainingState"/>,
/// written atomically (temporary file, then rename).
/// </summary>
public static class Checkpoint
{
    private const string Magic = "LOSSLAB-CKPT-1";

    /// <summary>Writes a checkpoint; refuses to write non-finite weights.</summary>
    /// <exception cref="InvalidOperationException">A parameter holds NaN or Inf.</exception>
    public static void Save(string path, nn.Module model, nn.Module loss, optim.Optimizer optimizer, TrainingState state)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(state);
        EnsureFinite(model);
        EnsureFinite(loss);
        var json = JsonSerializer.Serialize(state, JsonDefaults.Compact);
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Magic);
            writer.Write(json);
            model.save(writer);
            loss.save(writer);
            if (optimizer is TorchSharp.Modules.OptimizerHelper helper)
            {
                helper.save_state_dict(writer);
            }
        });
    }

    /// <summary>Reads a checkpoint into existing modules and optimizer; returns the stored state.</summary>
    /// <exception cref="Data.DataFormatException">The file is not a LossLab checkpoint or does not match the modules.</exception>
    public static TrainingState Load(string path, nn.Module model, nn.Module loss, optim.Optimizer? optimizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        try
        {
            using var stream = File.OpenRead(path);
            using var reader = new BinaryReader(stream, Encoding.UTF8);
            var magic = reader.ReadString();
            if (magic != Magic)
            {
                throw new Data.DataFormatException(path, $"expected a LossLab checkpoint ('{Magic}'), found '{magic}'");
            }

            var state = JsonSerializer.Deserialize<TrainingState>(reader.ReadString(), JsonDefaults.Compact)
                ?? throw new Data.DataFormatException(path, "checkpoint holds no training state");
            model.load(reader);
            loss.load(reader);
            if (optimizer is TorchSharp.Modules.OptimizerHelper helper)
            {
                helper.load_state_dict(reader);
            }

            return state;
        }
        catch (Exception ex) when (ex is EndOfStreamException or JsonException or ArgumentException or InvalidOperationException or IOException && ex is not FileNotFoundException)
        {
            throw new Data.DataFormatException(path, $"unreadable checkpoint ({ex.Message})", ex);
        }
    }

    private static void EnsureFinite(nn.Module module)
    {
        foreach (var (name, parameter) in module.named_parameters())
        {
            using var finite = parameter.isfinite().all();
            if (!finite.item<bool>())
            {
                throw new InvalidOperationException($"parameter '{name}' holds NaN or Inf; the checkpoint was not written");
            }
        }
    }
}
