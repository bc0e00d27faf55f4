using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using LossLab.Data;
using LossLab.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Runs;

/// <summary>
/// One file holding model, loss parameters, optimizer state and <see cref="TrainingState"/>, written atomically
/// (temporary file, then rename). Layout: magic, state JSON, a description of the tensors it holds (names, types,
/// shapes), the tensors of model, loss and optimizer, and a SHA-256 of all that. TorchSharp's tensor reader trusts
/// its input (a damaged type or length byte can crash the process), so <see cref="Load"/> checks the checksum and
/// the tensor layout before handing it any byte.
/// </summary>
public static class Checkpoint
{
    private const string Magic = "LOSSLAB-CKPT-2";
    private const int HashBytes = 32;

    /// <summary>Writes a checkpoint; refuses to write non-finite weights.</summary>
    /// <exception cref="InvalidOperationException">A parameter or buffer holds NaN or Inf.</exception>
    /// <exception cref="IOException">The file could not be written; the previous one is unchanged.</exception>
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
            using var sha = SHA256.Create();

            // A hash transform passes bytes through unchanged while hashing them.
            using (var hashing = new CryptoStream(stream, sha, CryptoStreamMode.Write, leaveOpen: true))
            using (var writer = new BinaryWriter(hashing, Encoding.UTF8, leaveOpen: true))
            {
                writer.Write(Magic);
                writer.Write(json);
                writer.Write(Layout(model));
                writer.Write(Layout(loss));
                writer.Write(Layout(optimizer));
                model.save(writer);
                loss.save(writer);
                ((TorchSharp.Modules.OptimizerHelper)optimizer).save_state_dict(writer);
                writer.Flush();
                hashing.FlushFinalBlock();
            }

            stream.Write(sha.Hash);
        });
    }

    /// <summary>Reads a checkpoint into existing modules and (unless null) optimizer; returns the stored state.</summary>
    /// <exception cref="DataFormatException">The file is not a LossLab checkpoint, is damaged, was written for other modules, or holds NaN or Inf weights.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static TrainingState Load(string path, nn.Module model, nn.Module loss, optim.Optimizer? optimizer)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(loss);
        try
        {
            using var stream = File.OpenRead(path);
            CheckMagic(path, stream);
            CheckHash(path, stream);
            stream.Position = 0;
            using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
            reader.ReadString();
            var state = JsonSerializer.Deserialize<TrainingState>(reader.ReadString(), JsonDefaults.Compact)
                ?? throw new DataFormatException(path, "checkpoint holds no training state");
            CheckState(path, state);
            CheckLayout(path, "model", reader.ReadString(), Layout(model));
            CheckLayout(path, "loss", reader.ReadString(), Layout(loss));
            var optimizerLayout = reader.ReadString();
            if (optimizer is not null)
            {
                CheckLayout(path, "optimizer", optimizerLayout, Layout(optimizer));
            }

            model.load(reader);
            loss.load(reader);
            if (optimizer is not null)
            {
                ((TorchSharp.Modules.OptimizerHelper)optimizer).load_state_dict(reader);
                if (stream.Position != stream.Length - HashBytes)
                {
                    throw new DataFormatException(path, "unexpected bytes after the optimizer state");
                }
            }

            if ((FirstNonFinite(model) ?? FirstNonFinite(loss)) is { } bad)
            {
                throw new DataFormatException(path, $"'{bad}' holds NaN or Inf");
            }

            return state;
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException or InvalidDataException or FormatException
            or OverflowException or System.Runtime.InteropServices.ExternalException or IOException && ex is not FileNotFoundException)
        {
            // What the readers throw on a file that passed the checks yet does not fit (found by fuzzing).
            throw new DataFormatException(path, $"unreadable checkpoint ({ex.Message})", ex);
        }
    }

    /// <summary>Name of the first parameter or floating-point buffer (BatchNorm statistics) holding NaN or Inf, or null.</summary>
    internal static string? FirstNonFinite(nn.Module module)
    {
        var named = module.named_parameters().Select(p => (p.name, Tensor: (Tensor)p.parameter))
            .Concat(module.named_buffers().Where(b => b.buffer.is_floating_point()).Select(b => (b.name, Tensor: b.buffer)))
            .ToArray();
        if (named.Length == 0)
        {
            return null;
        }

        // One flag per tensor, read back in one transfer.
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var flags = torch.stack(named.Select(n => n.Tensor.isfinite().all()).ToArray()).cpu().data<bool>().ToArray();
        var bad = Array.IndexOf(flags, false);
        return bad < 0 ? null : named[bad].name;
    }

    private static void CheckMagic(string path, FileStream stream)
    {
        // Read as raw bytes: a foreign file's first byte could announce a string of any length.
        var expected = new byte[Magic.Length + 1];
        expected[0] = (byte)Magic.Length;
        Encoding.ASCII.GetBytes(Magic, expected.AsSpan(1));
        var found = new byte[expected.Length];
        var read = stream.ReadAtLeast(found, found.Length, throwOnEndOfStream: false);
        if (read == found.Length && found.AsSpan().SequenceEqual(expected))
        {
            return;
        }

        var family = Encoding.ASCII.GetBytes(Magic[..^1]);
        throw new DataFormatException(
            path,
            read > family.Length && found.AsSpan(1).StartsWith(family)
                ? $"checkpoint format '{Encoding.ASCII.GetString(found, 1, read - 1)}' is not the one this version reads ('{Magic}')"
                : $"not a LossLab checkpoint (expected '{Magic}' at the start)");
    }

    private static void CheckHash(string path, FileStream stream)
    {
        var payload = stream.Length - HashBytes;
        if (payload < stream.Position)
        {
            throw new DataFormatException(path, "truncated checkpoint");
        }

        stream.Position = 0;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[Math.Clamp(payload, 1, 1 << 20)];
        for (var left = payload; left > 0;)
        {
            var n = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (n == 0)
            {
                throw new DataFormatException(path, "truncated checkpoint");
            }

            hash.AppendData(buffer, 0, n);
            left -= n;
        }

        var stored = new byte[HashBytes];
        stream.ReadExactly(stored);
        if (!hash.GetHashAndReset().AsSpan().SequenceEqual(stored))
        {
            throw new DataFormatException(path, "damaged checkpoint (checksum mismatch): it was truncated or altered after it was written");
        }
    }

    /// <summary>A state the trainer could have written: one metrics row per finished epoch, no negative counts.</summary>
    private static void CheckState(string path, TrainingState state)
    {
        if (state.History is null || state.History.Any(h => h is null) || state.EpochsDone < 0 || state.History.Count != state.EpochsDone ||
            state.BatchesDone < 0 || state.SkippedBatches < 0 || state.SkippedBatches > state.BatchesDone)
        {
            throw new DataFormatException(path, $"inconsistent training state (epochs done {state.EpochsDone}, {state.History?.Count} metrics rows, batches done {state.BatchesDone}, skipped {state.SkippedBatches})");
        }
    }

    private static void CheckLayout(string path, string part, string stored, string expected)
    {
        if (stored != expected)
        {
            throw new DataFormatException(path, $"the checkpoint's {part} does not match this run's ({FirstDifference(stored, expected)})");
        }
    }

    /// <summary>
    /// Where two layouts part: the first entry (<c>name:type:shape</c>) that differs, as stored and as expected,
    /// and how many entries each has; long common beginnings say nothing.
    /// </summary>
    private static string FirstDifference(string stored, string expected)
    {
        // Modules list entries with ';', the optimizer its groups with '|' and their shapes with ','.
        char[] separators = [';', '|', ',', '['];
        var left = stored.Split(separators);
        var right = expected.Split(separators);
        var at = 0;
        while (at < left.Length && at < right.Length && left[at] == right[at])
        {
            at++;
        }

        static string Entry(string[] entries, int index) => index < entries.Length ? Shorten(entries[index]) : "nothing";
        return string.Create(
            CultureInfo.InvariantCulture,
            $"entry {at + 1}: stored {Entry(left, at)}, expected {Entry(right, at)}; {left.Length} entries stored, {right.Length} expected");
    }

    /// <summary>Names, element types and shapes of a module's state, in order: what <c>load</c> will expect.</summary>
    private static string Layout(nn.Module module) =>
        string.Join(';', module.state_dict().Select(e => string.Create(CultureInfo.InvariantCulture, $"{e.Key}:{e.Value.dtype}:{string.Join('x', e.Value.shape)}")));

    /// <summary>Optimizer type and the shapes of the parameters of each group, which its state mirrors.</summary>
    private static string Layout(optim.Optimizer optimizer)
    {
        var helper = (TorchSharp.Modules.OptimizerHelper)optimizer;
        var groups = helper.ParamGroups.OfType<TorchSharp.Modules.ParamGroup>().Select(g => string.Join(',', g.Parameters.Select(p => string.Join('x', p.shape))));
        return $"{optimizer.GetType().Name}[{string.Join('|', groups)}]";
    }

    private static string Shorten(string text) => text.Length <= 120 ? text : text[..117] + "...";

    private static void EnsureFinite(nn.Module module)
    {
        if (FirstNonFinite(module) is { } name)
        {
            throw new InvalidOperationException($"'{name}' holds NaN or Inf; the checkpoint was not written");
        }
    }
}
