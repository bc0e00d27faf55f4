namespace LossLab.Data;

/// <summary>
/// A data file or folder is missing, malformed or inconsistent. The message names the file,
/// what was expected and what was found; the CLI turns it into exit code 2.
/// </summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Creates the error for <paramref name="path"/>.</summary>
    /// <param name="path">The file or folder at fault.</param>
    /// <param name="message">What was expected and what was found.</param>
    /// <param name="inner">The underlying error, if any.</param>
    public DataFormatException(string path, string message, Exception? inner = null)
        : base($"{path}: {message}", inner)
    {
        FilePath = path;
    }

    /// <summary>The file or folder at fault.</summary>
    public string FilePath { get; }
}
