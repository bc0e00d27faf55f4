namespace LossLab.Tests.Reliability;

/// <summary>
/// A fresh folder in memory (<c>/dev/shm</c>) when there is one, else under the temp directory; deleted on dispose.
/// Fuzz tests write a file per mutation, which on a busy disk costs milliseconds each.
/// </summary>
internal sealed class ScratchDirectory : IDisposable
{
    public ScratchDirectory()
    {
        var root = Directory.Exists("/dev/shm") ? "/dev/shm" : System.IO.Path.GetTempPath();
        Path = System.IO.Path.Combine(root, "losslab-tests-" + Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(Path);
        }
        catch (UnauthorizedAccessException)
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "losslab-tests-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
