using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using LossLab.Experiments;
using LossLab.Tests;
using YamlDotNet.RepresentationModel;

namespace LossLab.Cli.Tests.Cluster;

/// <summary>
/// examples/kubernetes/indexed-job.yaml, checked without a cluster: its structure, and its container command run by
/// a real shell for every completion index.
/// </summary>
public sealed partial class KubernetesJobTests
{
    private static readonly string Manifest = RepositoryFiles.At("examples", "kubernetes", "indexed-job.yaml");

    [Fact]
    public void Should_BeAnIndexedJobWithOneShardPerCompletion_When_TheManifestIsRead()
    {
        // Given the example manifest
        var job = Load();

        // When its fields are read
        var completions = Int(At(job, "spec", "completions"));
        var parallelism = Int(At(job, "spec", "parallelism"));
        var pod = At(job, "spec", "template", "spec");
        var container = At(pod, "containers", 0);
        var command = Strings(At(container, "command"));
        var script = Strings(At(container, "args")).Single();
        var shard = ShardArgument().Match(script);
        var outDirectory = OutArgument().Match(script);
        var mounts = ((YamlSequenceNode)At(container, "volumeMounts")).Select(m => Text(At(m, "mountPath"))).ToArray();

        // Then it is an Indexed batch/v1 Job whose pods run `sh -c`, since Kubernetes does no arithmetic on
        // JOB_COMPLETION_INDEX, with --shard "$((JOB_COMPLETION_INDEX + 1))/<completions>", at most `completions`
        // pods at once, and an experiment directory on a mounted volume that every pod shares
        Assert.Equal("batch/v1", Text(At(job, "apiVersion")));
        Assert.Equal("Job", Text(At(job, "kind")));
        Assert.Equal("Indexed", Text(At(job, "spec", "completionMode")));
        Assert.InRange(completions, 1, 10_000);
        Assert.InRange(parallelism, 1, completions);
        Assert.Contains(Text(At(pod, "restartPolicy")), new[] { "Never", "OnFailure" });
        Assert.Single((YamlSequenceNode)At(pod, "containers"));
        Assert.Equal(["/bin/sh", "-c"], command);
        Assert.True(shard.Success, $"no --shard \"$((JOB_COMPLETION_INDEX + 1))/N\" in: {script}");
        Assert.Equal(completions, int.Parse(shard.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.Matches(@"^exec losslab (reproduce|compare|sweep) ", script);
        Assert.True(outDirectory.Success, $"no --out in: {script}");
        Assert.Contains(mounts, m => outDirectory.Groups[1].Value.StartsWith(m.TrimEnd('/') + "/", StringComparison.Ordinal));
    }

    [Fact]
    public void Should_GiveEveryRunToExactlyOneShard_When_EachCompletionIndexRunsTheContainerCommand()
    {
        // Given the container's command, with a losslab on the PATH that prints its arguments, and a plan of 21 runs
        // (E2's 7 losses × 3 seeds)
        var job = Load();
        var completions = Int(At(job, "spec", "completions"));
        var container = At(job, "spec", "template", "spec", "containers", 0);
        var command = Strings(At(container, "command")).Concat(Strings(At(container, "args"))).ToArray();
        using var scratch = new TempFolder("kubernetes-job");
        var fake = scratch.File("losslab");
        File.WriteAllText(fake, "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var runs = Enumerable.Range(0, 21).ToArray();

        // When a shell runs it as the pod of each completion index would
        var shards = Enumerable.Range(0, completions).Select(index => ShardOf(command, index, scratch.Path)).ToArray();

        // Then index i runs shard i+1 of `completions`, and together the shards hold every run exactly once
        Assert.Equal(Enumerable.Range(1, completions).Select(i => new Shard(i, completions)), shards);
        var owners = runs.Select(run => shards.Count(s => s.Select(runs).Contains(run))).ToArray();
        Assert.All(owners, count => Assert.Equal(1, count));
    }

    private static Shard ShardOf(string[] command, int index, string bin)
    {
        var info = new ProcessStartInfo(command[0])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in command[1..])
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["JOB_COMPLETION_INDEX"] = index.ToString(CultureInfo.InvariantCulture);
        info.Environment["PATH"] = $"{bin}:{Environment.GetEnvironmentVariable("PATH")}";
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {command[0]}");
        var error = process.StandardError.ReadToEndAsync();
        var args = process.StandardOutput.ReadToEnd().Split('\n');
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"index {index}: exit {process.ExitCode}: {error.Result}");
        var at = Array.IndexOf(args, "--shard");
        Assert.True(at >= 0 && at + 1 < args.Length, $"index {index}: no --shard among {string.Join(' ', args)}");
        return Shard.Parse(args[at + 1]);
    }

    private static YamlNode Load()
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Manifest);
        stream.Load(reader);
        return Assert.Single(stream.Documents).RootNode;
    }

    /// <summary>The node at <paramref name="path"/>: mapping keys (strings) and sequence positions (ints).</summary>
    private static YamlNode At(YamlNode node, params object[] path)
    {
        foreach (var step in path)
        {
            node = step switch
            {
                string key when node is YamlMappingNode map && map.Children.TryGetValue(new YamlScalarNode(key), out var child) => child,
                int i when node is YamlSequenceNode list && i < list.Children.Count => list.Children[i],
                _ => throw new Xunit.Sdk.XunitException($"{Manifest}: no '{step}' in {string.Join('.', path)}"),
            };
        }

        return node;
    }

    private static string Text(YamlNode node) => Assert.IsType<YamlScalarNode>(node).Value ?? "";

    private static int Int(YamlNode node) => int.Parse(Text(node), CultureInfo.InvariantCulture);

    private static string[] Strings(YamlNode node) => Assert.IsType<YamlSequenceNode>(node).Select(Text).ToArray();

    [GeneratedRegex("""--shard "\$\(\(JOB_COMPLETION_INDEX \+ 1\)\)/(\d+)"(\s|$)""")]
    private static partial Regex ShardArgument();

    [GeneratedRegex(@"--out (/\S+)")]
    private static partial Regex OutArgument();
}
