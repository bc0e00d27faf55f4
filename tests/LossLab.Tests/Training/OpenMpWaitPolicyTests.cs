using System.Text.Json.Nodes;
using LossLab.Tests.Cli;
using LossLab.Training;

namespace LossLab.Tests.Training;

public sealed class OpenMpWaitPolicyTests
{
    [Theory]
    [InlineData(null, "PASSIVE")]
    [InlineData("ACTIVE", "ACTIVE")]
    public void Should_WaitPassivelyUnlessTheUserChose_When_TheCliStarts(string? userPolicy, string expected)
    {
        // Given the CLI started with or without the user's own OMP_WAIT_POLICY
        var info = CliRunner.StartInfo("bench", "--steps", "0", "--matmul-size", "16", "--repeats", "1", "--threads", "1", "--json");
        info.Environment.Remove(OpenMpWaitPolicy.Variable);
        info.Environment.Remove(OpenMpWaitPolicy.SpinCountVariable);
        if (userPolicy is not null)
        {
            info.Environment[OpenMpWaitPolicy.Variable] = userPolicy;
        }

        // When it runs (the bench report reads the policy back from the C library's environment, as libgomp does)
        using var process = System.Diagnostics.Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();

        // Then libtorch's threads wait passively, unless the user chose a policy, which is kept
        Assert.True(process.ExitCode == 0, error);
        var report = JsonNode.Parse(output.Trim().Split('\n')[^1])!;
        Assert.Equal(expected, report["omp_wait_policy"]?.GetValue<string>());
    }
}
