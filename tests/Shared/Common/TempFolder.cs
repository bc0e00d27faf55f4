namespace LossLab.Tests;

/// <summary>
/// A fresh folder for one test, deleted with everything in it on dispose. An in-memory folder is made in
/// <c>/dev/shm</c> when there is one (fuzz tests write a file per mutation, which on a busy disk costs milliseconds).
/// </summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder(string name = "test", bool inMemory = false)
    {
        var root = inMemory && Directory.Exists("/dev/shm") ? "/dev/shm" : System.IO.Path.GetTempPath();
        Path = System.IO.Path.Combine(root, "losslab-tests", $"{name}-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(Path);
        }
        catch (UnauthorizedAccessException) when (inMemory)
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "losslab-tests", $"{name}-{Guid.NewGuid():N}");
            Directory.CreateDirectory(Path);
        }
    }

    /// <summary>Absolute path of the folder.</summary>
    public string Path { get; }

    /// <summary>A path inside the folder.</summary>
    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            if (Directory.Exists(Path))
            {
                Directory.Delete(Path, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A child process may still hold a file open for a moment; a leftover temp folder fails no test.
        }
    }
}
