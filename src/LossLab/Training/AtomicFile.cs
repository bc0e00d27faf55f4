namespace LossLab.Training;

/// <summary>Writes files so a reader sees either the old or the new content, never half of one.</summary>
public static class AtomicFile
{
    /// <summary>Writes <paramref name="path"/> through a temporary file in the same folder, then renames it over the target.</summary>
    /// <param name="path">Target file.</param>
    /// <param name="write">Writes the content to the given stream.</param>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(write);
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                write(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Writes text atomically (UTF-8, no BOM).</summary>
    public static void WriteText(string path, string text) =>
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), leaveOpen: true);
            writer.Write(text);
        });

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
