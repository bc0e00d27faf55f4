using System.Reflection;
using LossLab.Cli.Tests.Cluster;

namespace LossLab.Cli.Tests;

public sealed class ExitCodesTests
{
    [Fact]
    public void Should_ListEveryExitCodeTheCliReturns_When_TheReadmeIsRead()
    {
        // Given the README's exit-code section and every code the CLI defines
        var readme = RepositoryFiles.At("README.md");
        var text = File.ReadAllText(readme);
        var start = text.IndexOf("### Exit codes", StringComparison.Ordinal);
        Assert.True(start >= 0, $"{readme} has no '### Exit codes' section");
        var end = text.IndexOf("\n#", start + 1, StringComparison.Ordinal);
        var section = text[start..(end < 0 ? text.Length : end)];
        var codes = typeof(ExitCodes).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral)
            .Select(f => (Name: f.Name, Value: (int)f.GetRawConstantValue()!))
            .ToArray();
        Assert.Contains(codes, c => c.Value == 1);

        // When / Then each has a row of the table
        foreach (var (name, value) in codes)
        {
            Assert.True(section.Contains($"| `{value}` |", StringComparison.Ordinal), $"exit code {value} ({name}) is not in the README's table");
        }
    }
}
