using System.Globalization;

namespace LossLab.Runs;

/// <summary>Writes files so a reader sees either the old or the new content, never half of one.</summary>
public static class AtomicFile
{
    private const string TempSuffix = ".tmp";

    /// <summary>Writes <paramref name="path"/> through a temporary file in the same folder, then renames it over the target.</summary>
    /// <param name="path">Target file; left untouched when the write fails.</param>
    /// <param name="write">Writes the content to the given stream.</param>
    /// <exception cref="IOException">The write failed (full disk, read-only folder, ...); the message names <paramref name="path"/>.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        var temp = TempPath(full, Environment.ProcessId);
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(temp);

            // The OS message names the temporary file; the user needs to know which file was not updated.
            throw new IOException($"could not write {full} ({ex.Message}); its previous content is unchanged", ex);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Writes text atomically (UTF-8, no BOM).</summary>
    /// <exception cref="IOException">The write failed; the message names <paramref name="path"/>.</exception>
    public static void WriteText(string path, string text) =>
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), leaveOpen: true);
            writer.Write(text);
        });

    /// <summary>
    /// Deletes temporary files that processes other than this one left in <paramref name="directory"/> when they
    /// were killed mid-write. They are never read, so deleting them loses nothing; failures are ignored.
    /// </summary>
    public static void RemoveStale(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!Directory.Exists(directory))
        {
            return;
        }

        var own = "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + TempSuffix;
        foreach (var file in Directory.EnumerateFiles(directory, "." + "*" + TempSuffix))
        {
            if (IsTempName(Path.GetFileName(file)) && !file.EndsWith(own, StringComparison.Ordinal))
            {
                TryDelete(file);
            }
        }
    }

    /// <summary>The temporary file of <paramref name="fullPath"/> written by process <paramref name="processId"/>: <c>.NAME.PID.tmp</c> beside it.</summary>
    internal static string TempPath(string fullPath, int processId) =>
        Path.Combine(Path.GetDirectoryName(fullPath)!, string.Create(CultureInfo.InvariantCulture, $".{Path.GetFileName(fullPath)}.{processId}{TempSuffix}"));

    /// <summary>Whether <paramref name="name"/> is a temporary file name of <see cref="Write"/> (<c>.NAME.PID.tmp</c>).</summary>
    internal static bool IsTempName(string name)
    {
        // ".NAME.PID.tmp": a dot, a non-empty name, a dot, digits, ".tmp".
        if (name.Length < 8 || name[0] != '.' || !name.EndsWith(TempSuffix, StringComparison.Ordinal))
        {
            return false;
        }

        var stem = name[1..^TempSuffix.Length];
        var dot = stem.LastIndexOf('.');
        return dot > 0 && dot < stem.Length - 1 && stem[(dot + 1)..].All(char.IsAsciiDigit);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The original error is the one worth reporting.
        }
        catch (UnauthorizedAccessException)
        {
            // Same: a read-only folder is reported by the write that failed.
        }
    }
}
