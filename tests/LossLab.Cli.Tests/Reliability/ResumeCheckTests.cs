using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using LossLab.Cli.Tests.Commands;
using LossLab.Tests;

namespace LossLab.Cli.Tests.Reliability;

/// <summary>
/// <c>--resume</c> continues only from a checkpoint of the run it is asked to continue, says what it does when the
/// run has no checkpoint, and never rewrites the command line that started the run.
/// </summary>
public sealed class ResumeCheckTests
{
    private static readonly string[] Tiny =
        ["train", "--train-limit", "100", "--test-limit", "50", "--no-embedding-metrics", "--threads", "1"];

    private static readonly string[] Checkpoints = ["last.ckpt", "best.ckpt"];

    [Fact]
    public void Should_StartOverSayingSoAndKeepTheCommandLine_When_TheRunHasNoCheckpoint()
    {
        // Given a run stopped before its first checkpoint: config.json only (as a SIGKILL in epoch 1 leaves it)
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");
        using var folder = new TempFolder("resume-fresh");
        var dir = folder.Path;
        Assert.Equal(0, Finish([.. Tiny, "--epochs", "1", "--seed", "3", "--out", dir]).Code);
        var commandLine = CommandLine(dir);
        foreach (var file in new[] { "last.ckpt", "best.ckpt", "summary.json", "metrics.csv", "metrics.jsonl" })
        {
            File.Delete(Path.Combine(dir, file));
        }

        // When it is resumed
        var (code, error) = Finish("train", "--resume", dir);

        // Then it says it starts over, trains the run to the end, and config.json keeps the original command line
        Assert.True(code == 0, error);
        Assert.Contains("no checkpoint", error, StringComparison.Ordinal);
        Assert.Contains("starting from epoch 1", error, StringComparison.Ordinal);
        Assert.Equal(commandLine, CommandLine(dir));
        Assert.Contains("--seed 3", commandLine, StringComparison.Ordinal);
        Assert.True(JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")))!["completed"]!.GetValue<bool>());
    }

    [Fact]
    public void Should_ExitWith2AndChangeNothing_When_TheCheckpointComesFromAnotherRun()
    {
        // Given a finished 1-epoch run of seed 1, and a 3-epoch run of seed 7 stopped before its first checkpoint,
        // into which the first run's last.ckpt was copied
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");
        using var folder = new TempFolder("resume-foreign");
        var donor = Path.Combine(folder.Path, "seed1");
        var dir = Path.Combine(folder.Path, "seed7");
        Assert.Equal(0, CliRunner.Run([.. Tiny, "--epochs", "1", "--seed", "1", "--out", donor]).Code);
        Assert.Equal(0, CliRunner.Run([.. Tiny, "--epochs", "3", "--seed", "7", "--out", dir]).Code);
        foreach (var file in new[] { "last.ckpt", "best.ckpt", "summary.json", "metrics.csv", "metrics.jsonl" })
        {
            File.Delete(Path.Combine(dir, file));
        }

        File.Copy(Path.Combine(donor, "last.ckpt"), Path.Combine(dir, "last.ckpt"));
        var config = File.ReadAllText(Path.Combine(dir, "config.json"));

        // When the 3-epoch run is resumed
        var (code, _, error) = CliRunner.Run("train", "--resume", dir);

        // Then the checkpoint is refused as another run's, and nothing was trained or written
        Assert.True(code == 2, $"exit {code}: {error}");
        Assert.Contains("last.ckpt", error, StringComparison.Ordinal);
        Assert.Contains("another run", error, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir, "summary.json")), "the run was marked");
        Assert.Equal(config, File.ReadAllText(Path.Combine(dir, "config.json")));
        Assert.Equal(File.ReadAllBytes(Path.Combine(donor, "last.ckpt")), File.ReadAllBytes(Path.Combine(dir, "last.ckpt")));
    }

    [Fact]
    public void Should_ExplainAndRefuseToResumeButStillEvaluate_When_TheRunPredatesRunTokens()
    {
        // Given an unfinished run as an earlier LossLab wrote it: no run token in config.json or its checkpoints
        Assert.True(TestData.FashionMnistInstalled, "Fashion-MNIST missing: run scripts/setup.sh");
        using var folder = new TempFolder("resume-old");
        var dir = folder.Path;
        Assert.Equal(0, CliRunner.Run([.. Tiny, "--epochs", "2", "--out", dir]).Code);
        var summary = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "summary.json")))!;
        summary["completed"] = false;
        File.WriteAllText(Path.Combine(dir, "summary.json"), summary.ToJsonString());
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!.AsObject();
        Assert.True(config.Remove("run_token"), "config.json has no run_token");
        File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJsonString());
        foreach (var file in Checkpoints)
        {
            WithoutRunToken(Path.Combine(dir, file));
        }

        // When it is resumed, and its best checkpoint evaluated
        var resumed = CliRunner.Run("train", "--resume", dir);
        var evaluated = CliRunner.Run("evaluate", "--run", dir, "--out", Path.Combine(folder.Path, "evaluation.json"));

        // Then the resume is refused with a message saying why and what to do; evaluation still works
        Assert.True(resumed.Code == 2, $"exit {resumed.Code}: {resumed.Err}");
        Assert.Contains("earlier LossLab version", resumed.Err, StringComparison.Ordinal);
        Assert.Contains("--force", resumed.Err, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", resumed.Err, StringComparison.Ordinal);
        Assert.True(evaluated.Code == 0, evaluated.Err);
    }

    /// <summary>Runs the CLI as a child process (so config.json records its real command line) and waits for it.</summary>
    private static (int Code, string Err) Finish(params string[] args)
    {
        using var run = new ChildRun(args);
        var code = run.WaitForExit();
        return (code, run.Error);
    }

    private static string CommandLine(string dir) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "config.json")))!["command_line"]!.GetValue<string>();

    /// <summary>Rewrites a checkpoint as an earlier version wrote it: its state without the run token, checksum renewed.</summary>
    private static void WithoutRunToken(string path)
    {
        var bytes = File.ReadAllBytes(path);
        using var input = new MemoryStream(bytes, 0, bytes.Length - 32);
        using var reader = new BinaryReader(input, Encoding.UTF8);
        var magic = reader.ReadString();
        var state = JsonNode.Parse(reader.ReadString())!.AsObject();
        Assert.True(state.Remove("run_token"), $"{path} holds no run_token");
        var rest = reader.ReadBytes((int)(input.Length - input.Position));
        using var output = new MemoryStream();
        using (var writer = new BinaryWriter(output, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(magic);
            writer.Write(state.ToJsonString());
            writer.Write(rest);
        }

        output.Write(SHA256.HashData(output.ToArray()));
        File.WriteAllBytes(path, output.ToArray());
    }
}
