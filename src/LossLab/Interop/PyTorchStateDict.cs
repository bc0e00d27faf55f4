using System.Collections;
using System.Collections.Specialized;
using System.IO.Compression;
using System.Security.Cryptography;
using LossLab.Data;
using LossLab.Runs;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace LossLab.Interop;

/// <summary>
/// A PyTorch <c>state_dict</c> file: the zip archive <c>torch.save(model.state_dict(), path)</c> writes, read and
/// written with TorchSharp.PyBridge. Holds the tensors (on the CPU) by name, with the file's SHA-256.
/// </summary>
public sealed class PyTorchStateDict : IDisposable
{
    private static readonly byte[] ZipSignature = [0x50, 0x4b, 0x03, 0x04];

    private PyTorchStateDict(string path, string sha256, long bytes, IReadOnlyDictionary<string, Tensor> tensors)
    {
        Path = path;
        Sha256 = sha256;
        Bytes = bytes;
        Tensors = tensors;
    }

    /// <summary>Absolute path of the file.</summary>
    public string Path { get; }

    /// <summary>SHA-256 of the file's bytes, lower-case hex.</summary>
    public string Sha256 { get; }

    /// <summary>Size of the file in bytes.</summary>
    public long Bytes { get; }

    /// <summary>The tensors by name, on the CPU, in name order.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors { get; }

    /// <summary>Reads a state_dict file.</summary>
    /// <param name="path">File written by <c>torch.save(state_dict, path)</c> (PyTorch 1.6 or later) or by <see cref="Write"/>.</param>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="DataFormatException">
    /// The file is not a PyTorch zip archive, is truncated or damaged, holds something other than a flat
    /// name → tensor dictionary, or a floating-point tensor holds NaN or Inf. The message names the file.
    /// </exception>
    public static PyTorchStateDict Read(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = System.IO.Path.GetFullPath(path);
        if (!File.Exists(full))
        {
            throw new FileNotFoundException($"{full}: file not found", full);
        }

        byte[] content;
        try
        {
            content = File.ReadAllBytes(full);
        }
        catch (IOException ex)
        {
            throw new DataFormatException(full, $"could not be read ({ex.Message})", ex);
        }

        if (content.Length < ZipSignature.Length || !content.AsSpan(0, ZipSignature.Length).SequenceEqual(ZipSignature))
        {
            throw new DataFormatException(full, "not a PyTorch state_dict file (expected the zip archive torch.save writes; files saved with _use_new_zipfile_serialization=False or by other libraries are not read)");
        }

        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        var storageBytes = CheckArchive(full, content);
        var tensors = Unpickle(full, content);
        try
        {
            CheckTensors(full, tensors, storageBytes);
        }
        catch
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }

            throw;
        }

        return new PyTorchStateDict(full, sha, content.LongLength, tensors);
    }

    /// <summary>Writes tensors as a PyTorch state_dict file that <c>torch.load</c> reads, atomically (temporary file, then rename).</summary>
    /// <param name="path">Target file.</param>
    /// <param name="tensors">Names and tensors, in the order to store them; copied to the CPU, contiguous, without gradient.</param>
    /// <returns>SHA-256 of the written file, lower-case hex.</returns>
    /// <exception cref="IOException">The file could not be written; a previous file is unchanged.</exception>
    public static string Write(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(tensors);
        using var scope = torch.NewDisposeScope();
        var dictionary = new OrderedDictionary(StringComparer.Ordinal);
        foreach (var (name, tensor) in tensors)
        {
            // A contiguous CPU copy: the file stores each tensor's whole storage with the tensor's strides.
            dictionary.Add(name, tensor.detach().cpu().contiguous().clone());
        }

        using var buffer = new MemoryStream();
        PyTorchPickler.PickleStateDict(buffer, dictionary, leaveOpen: true);
        AtomicFile.Write(path, stream => buffer.WriteTo(stream));
        return Convert.ToHexStringLower(SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var tensor in Tensors.Values)
        {
            tensor.Dispose();
        }
    }

    /// <summary>Checks the archive's structure before the unpickler sees it; returns the bytes of its tensor storages.</summary>
    private static long CheckArchive(string path, byte[] content)
    {
        try
        {
            using var archive = new ZipArchive(new MemoryStream(content, writable: false), ZipArchiveMode.Read);
            var pickles = archive.Entries.Count(e => e.Name == "data.pkl");
            if (pickles != 1)
            {
                throw new DataFormatException(path, $"not a PyTorch state_dict file (expected one data.pkl in the archive, found {pickles})");
            }

            return archive.Entries.Where(e => e.FullName.Contains("/data/", StringComparison.Ordinal)).Sum(e => e.Length);
        }
        catch (InvalidDataException ex)
        {
            throw new DataFormatException(path, $"truncated or damaged PyTorch file ({ex.Message})", ex);
        }
    }

    private static SortedDictionary<string, Tensor> Unpickle(string path, byte[] content)
    {
        Hashtable table;
        try
        {
            using var scope = torch.NewDisposeScope();
            table = PyTorchUnpickler.UnpickleStateDict(new MemoryStream(content, writable: false), leaveOpen: false);
            foreach (var value in table.Values)
            {
                (value as Tensor)?.MoveToOuterDisposeScope();
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The unpickler throws whatever its input provokes (invalid casts, missing entries, unknown classes);
            // libtorch refuses a tensor that is a view into a larger storage, with a native stack trace after the first line.
            var first = ex.Message.Split('\n', 2)[0].Trim();
            var hint = ex is System.Runtime.InteropServices.ExternalException
                ? "; views into larger tensors and shared storages are not read: save {name: tensor.clone()}"
                : "";
            throw new DataFormatException(path, $"not a readable PyTorch state_dict ({ex.GetType().Name}: {first}){hint}", ex);
        }

        var tensors = new SortedDictionary<string, Tensor>(StringComparer.Ordinal);
        var others = new List<string>();
        foreach (DictionaryEntry entry in table)
        {
            if (entry.Key is string name && entry.Value is Tensor tensor)
            {
                tensors[name] = tensor;
            }
            else
            {
                others.Add($"{entry.Key} ({entry.Value?.GetType().Name ?? "None"})");
                (entry.Value as IDisposable)?.Dispose();
            }
        }

        if (others.Count > 0)
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }

            // A training checkpoint ({"model": state_dict, "optimizer": ...}) is the usual case.
            throw new DataFormatException(
                path,
                $"expected a flat state_dict (name → tensor), found other entries: {string.Join(", ", others.Order(StringComparer.Ordinal).Take(5))}; save model.state_dict() itself");
        }

        return tensors;
    }

    private static void CheckTensors(string path, IReadOnlyDictionary<string, Tensor> tensors, long storageBytes)
    {
        if (tensors.Count == 0)
        {
            throw new DataFormatException(path, "the state_dict holds no tensor");
        }

        // Each tensor of a saved state_dict owns its whole storage; anything else (views into a larger storage,
        // storages shared by several names, short storage entries) would be read wrongly.
        var tensorBytes = tensors.Values.Sum(t => t.numel() * t.ElementSize);
        if (tensorBytes != storageBytes)
        {
            throw new DataFormatException(path, $"the tensors need {tensorBytes} bytes but the archive stores {storageBytes}: views, shared storages or a damaged file are not read; save {{name: tensor.clone()}} instead");
        }

        using var scope = torch.NewDisposeScope();
        foreach (var (name, tensor) in tensors)
        {
            if (tensor.is_floating_point() && !tensor.isfinite().all().item<bool>())
            {
                throw new DataFormatException(path, $"'{name}' holds NaN or Inf");
            }
        }
    }
}
