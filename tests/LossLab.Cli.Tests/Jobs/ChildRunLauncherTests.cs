using LossLab.Cli.Jobs;

namespace LossLab.Cli.Tests.Jobs;

public sealed class ChildRunLauncherTests
{
    [Fact]
    public void Should_KeepTheChildsOwnMessageAndExitCode_When_ItRejectedItsInput()
    {
        // Given a child that exited with 2 after writing its error line among others
        string[] lines = ["data: loading", "losslab: --dataset: /x: no such image folder or archive"];

        // When its failure is described
        var error = ChildRunLauncher.Failure("loss=ce_seed=1", 2, lines);

        // Then the message names the run and carries the child's own words, and losslab exits with 2 as well
        Assert.Equal("run loss=ce_seed=1: --dataset: /x: no such image folder or archive", error.Message);
        Assert.Equal(2, error.ExitCode);
    }

    [Fact]
    public void Should_NameTheSignalAndShowTheLastLines_When_TheChildWasKilled()
    {
        // Given a child killed by SIGKILL (exit code 128 + 9) that wrote no error of its own
        string[] lines = ["[1/1] loss=ce_seed=1: training on 1 thread"];

        // When its failure is described
        var error = ChildRunLauncher.Failure("loss=ce_seed=1", 137, lines);

        // Then the message says so, with the child's last lines, and losslab exits with 1
        Assert.StartsWith("run loss=ce_seed=1: its process ended with exit code 137 (signal 9, e.g. out of memory):", error.Message, StringComparison.Ordinal);
        Assert.Contains("training on 1 thread", error.Message, StringComparison.Ordinal);
        Assert.Equal(1, error.ExitCode);
    }

    [Fact]
    public void Should_StartTheCliAssemblyWithDotnet_When_TheProcessIsNotTheCli()
    {
        // Given this test host, a process that is not losslab
        // When the start of a child losslab is made
        var info = CliProcess.StartInfo(["job", "DIR"]);

        // Then it runs LossLab.Cli.dll with dotnet, followed by the arguments
        Assert.Equal("dotnet", Path.GetFileNameWithoutExtension(info.FileName));
        Assert.Equal(Path.Combine(AppContext.BaseDirectory, "LossLab.Cli.dll"), info.ArgumentList[0]);
        Assert.True(File.Exists(info.ArgumentList[0]));
        Assert.Equal(["job", "DIR"], info.ArgumentList.Skip(1));
    }
}
