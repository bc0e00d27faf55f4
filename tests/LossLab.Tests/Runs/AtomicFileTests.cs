using LossLab.Runs;

namespace LossLab.Tests.Runs;

/// <summary>A write that fails leaves the previous content intact and no temporary file behind.</summary>
public sealed class AtomicFileTests
{
    [Fact]
    public void Should_KeepTheOldContent_When_TheWriterFailsHalfWay()
    {
        // Given a file with content
        using var dir = new TempFolder();
        var path = dir.File("metrics.csv");
        AtomicFile.WriteText(path, "epoch,accuracy\n1,0.5\n");

        // When a rewrite fails after writing part of the new content
        var error = Record.Exception(() => AtomicFile.Write(path, stream =>
        {
            stream.Write("epoch,accuracy\n1,0.5\n2,"u8);
            stream.Flush();
            throw new InvalidDataException("serialisation failed");
        }));

        // Then the error is the writer's own, the old content is whole, and no temporary file is left
        Assert.IsType<InvalidDataException>(error);
        Assert.Equal("epoch,accuracy\n1,0.5\n", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Should_RemoveOnlyTemporaryFilesOfOtherProcesses_When_RemovingStaleFiles()
    {
        // Given the temporary file of a killed process, one of this process, and ordinary files
        using var dir = new TempFolder();
        string[] kept = [dir.File("last.ckpt"), dir.File(".hidden.tmp"), dir.File(".a.b.tmp"), AtomicFile.TempPath(dir.File("x"), Environment.ProcessId)];
        var stale = AtomicFile.TempPath(dir.File("last.ckpt"), 999_999);
        foreach (var file in kept.Append(stale))
        {
            File.WriteAllText(file, "x");
        }

        // When stale files are removed
        AtomicFile.RemoveStale(dir.Path);

        // Then only the killed process's temporary file is gone
        Assert.False(File.Exists(stale));
        Assert.All(kept, file => Assert.True(File.Exists(file), file));
    }
}
