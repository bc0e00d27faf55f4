using LossLab.Runs;
using LossLab.Training;

namespace LossLab.Tests.Runs;

/// <summary>
/// Replacing a run (<c>--force</c>) leaves, whatever moment a crash strikes, either the old run or the new one:
/// <see cref="RunDirectory.StartRun"/> sets the old files aside before it writes the new config.json, and the next
/// lock of the folder finishes what a crash interrupted.
/// </summary>
public sealed class RunReplacementTests
{
    private static readonly string[] OldFiles = ["summary.json", "metrics.csv", "metrics.jsonl", "last.ckpt", "best.ckpt"];

    [Fact]
    public void Should_LeaveOnlyTheNewRun_When_ARunIsReplaced()
    {
        // Given a folder holding an old run and a file of the user's
        using var folder = new TempFolder();
        var run = OldRun(folder.Path);
        File.WriteAllText(folder.File("notes.txt"), "mine");

        // When a new run starts in it
        run.StartRun(new RunConfig { Options = new TrainOptions { Seed = 2 }, RunToken = "new" });

        // Then only the new config.json and the user's file remain
        Assert.Equal("new", run.ReadConfig()!.RunToken);
        Assert.Equal(["config.json", "notes.txt"], Entries(folder.Path));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(5)]
    public void Should_RestoreTheOldRunByteForByte_When_AReplacementStoppedBeforeTheNewConfig(int moved)
    {
        // Given an old run whose replacement stopped after setting aside its config and `moved` of its files
        using var folder = new TempFolder();
        var run = OldRun(folder.Path);
        var before = Directory.EnumerateFiles(folder.Path).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
        var aside = Path.Combine(folder.Path, RunDirectory.ReplacedFolderName);
        Directory.CreateDirectory(aside);
        File.WriteAllBytes(Path.Combine(aside, RunDirectory.ReplacedConfigName), File.ReadAllBytes(run.ConfigPath));
        foreach (var name in OldFiles.Take(moved))
        {
            File.Move(folder.File(name), Path.Combine(aside, name));
        }

        // When the folder is next locked
        using (run.TryLock())
        {
        }

        // Then the old run is back as it was, and nothing of the replacement is left
        Assert.Equal(before.Keys.Append(".lock").Order(StringComparer.Ordinal), Entries(folder.Path));
        foreach (var (name, bytes) in before)
        {
            Assert.Equal(bytes, File.ReadAllBytes(folder.File(name)));
        }
    }

    [Fact]
    public void Should_KeepTheNewRunAndDropTheOldFiles_When_AReplacementStoppedAfterTheNewConfig()
    {
        // Given a replacement that wrote the new config.json but had not yet deleted the set-aside old files
        using var folder = new TempFolder();
        var run = OldRun(folder.Path);
        var aside = Path.Combine(folder.Path, RunDirectory.ReplacedFolderName);
        Directory.CreateDirectory(aside);
        File.WriteAllBytes(Path.Combine(aside, RunDirectory.ReplacedConfigName), File.ReadAllBytes(run.ConfigPath));
        foreach (var name in OldFiles)
        {
            File.Move(folder.File(name), Path.Combine(aside, name));
        }

        run.WriteConfig(new RunConfig { Options = new TrainOptions { Seed = 2 }, RunToken = "new" });

        // When the folder is next locked
        using (run.TryLock())
        {
        }

        // Then the new run stays, alone
        Assert.Equal("new", run.ReadConfig()!.RunToken);
        Assert.Equal([".lock", "config.json"], Entries(folder.Path));
    }

    [Fact]
    public void Should_DiscardAnUnstartedReplacement_When_ItHadSetNothingAside()
    {
        // Given a replacement that stopped after creating its folder, before recording the old config
        using var folder = new TempFolder();
        var run = OldRun(folder.Path);
        Directory.CreateDirectory(Path.Combine(folder.Path, RunDirectory.ReplacedFolderName));

        // When the folder is next locked
        using (run.TryLock())
        {
        }

        // Then the old run is untouched and the empty folder gone
        Assert.Equal("old", run.ReadConfig()!.RunToken);
        Assert.Equal([".lock", "best.ckpt", "config.json", "last.ckpt", "metrics.csv", "metrics.jsonl", "summary.json"], Entries(folder.Path));
    }

    /// <summary>A folder holding a run's six files (the checkpoints as distinct bytes; only their presence matters here).</summary>
    private static RunDirectory OldRun(string path)
    {
        var run = new RunDirectory(path);
        run.WriteConfig(new RunConfig { Options = new TrainOptions(), RunToken = "old" });
        for (var i = 0; i < OldFiles.Length; i++)
        {
            File.WriteAllBytes(Path.Combine(path, OldFiles[i]), DataFixtures.RandomBytes(64, i));
        }

        return run;
    }

    private static string[] Entries(string path) =>
        Directory.EnumerateFileSystemEntries(path).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();
}
