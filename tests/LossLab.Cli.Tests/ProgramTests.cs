using System.Text.Json.Nodes;
using LossLab.Cli.Tests.Commands;
using LossLab.Hosting;

namespace LossLab.Cli.Tests;

public sealed class ProgramTests
{
    [Theory]
    [InlineData(null, null, "PASSIVE", "AVX2")]
    [InlineData("ACTIVE", "AVX512_CORE", "ACTIVE", "AVX512_CORE")]
    public void Should_SetDefaultsUnlessTheUserChose_When_TheCliStarts(string? userPolicy, string? userIsa, string policy, string isa)
    {
        // Given the CLI started with or without the user's own settings
        var info = CliRunner.StartInfo("bench", "--steps", "0", "--matmul-size", "16", "--repeats", "1", "--threads", "1", "--json");
        foreach (var variable in new[] { NativeDefaults.WaitPolicyVariable, NativeDefaults.SpinCountVariable, NativeDefaults.IsaVariable, NativeDefaults.LegacyIsaVariable })
        {
            info.Environment.Remove(variable);
        }

        if (userPolicy is not null)
        {
            info.Environment[NativeDefaults.WaitPolicyVariable] = userPolicy;
            info.Environment[NativeDefaults.IsaVariable] = userIsa;
        }

        // When it runs (the bench report reads the values back from the C library's environment, as libtorch does)
        using var process = System.Diagnostics.Process.Start(info)!;
        var output = process.StandardOutput.ReadToEnd();
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();

        // Then the defaults are in force, unless the user chose, whose values are kept
        Assert.True(process.ExitCode == 0, error);
        var report = JsonNode.Parse(output.Trim().Split('\n')[^1])!;
        Assert.Equal(policy, report["omp_wait_policy"]?.GetValue<string>());
        Assert.Equal(isa, report["one_dnn_max_cpu_isa"]?.GetValue<string>());
    }
}
