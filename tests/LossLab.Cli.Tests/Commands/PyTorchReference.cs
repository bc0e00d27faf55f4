using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using LossLab.Tests;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Cli.Tests.Commands;

/// <summary>Runs tests/Data/pytorch_interop.py with Debian's python3-torch, and moves tensors to and from it as raw float32 files.</summary>
internal static class PyTorchReference
{
    private const string Python = "/usr/bin/python3";

    /// <summary>Fails the test with the way out when Debian's python3-torch is missing.</summary>
    public static void RequireTorch() =>
        Assert.True(
            File.Exists(Python) && Directory.Exists("/usr/lib/python3/dist-packages/torch"),
            "python3-torch is missing: run scripts/setup.sh python3-torch (apt-get install python3-torch)");

    /// <summary>Runs the script with the shipped losslab_models.py; returns its exit code and output.</summary>
    public static (int Code, string Output) Run(params string[] args)
    {
        RequireTorch();
        var info = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(TestData.Reference("pytorch_interop.py"));
        info.ArgumentList.Add("--models");
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "python"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("could not start python3");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("pytorch_interop.py did not finish within 5 minutes");
        }

        return (process.ExitCode, output.Result + error.Result);
    }

    /// <summary>Writes a tensor as raw little-endian values, float64 for a <c>.f64</c> name, else float32; returns its entry for case.json.</summary>
    public static JsonObject WriteRaw(string directory, string name, Tensor tensor)
    {
        using var scope = torch.NewDisposeScope();
        var values = tensor.detach().cpu().contiguous();
        var bytes = name.EndsWith(".f64", StringComparison.Ordinal)
            ? MemoryMarshal.AsBytes(values.to_type(ScalarType.Float64).data<double>().ToArray().AsSpan()).ToArray()
            : MemoryMarshal.AsBytes(values.to_type(ScalarType.Float32).data<float>().ToArray().AsSpan()).ToArray();
        File.WriteAllBytes(Path.Combine(directory, name), bytes);
        return new JsonObject { ["file"] = name, ["shape"] = new JsonArray(tensor.shape.Select(d => (JsonNode)d).ToArray()) };
    }

    /// <summary>Reads a tensor that case.json describes (float64 for a <c>.f64</c> file, else float32).</summary>
    public static Tensor ReadRaw(string directory, JsonNode spec)
    {
        var name = spec["file"]!.GetValue<string>();
        var bytes = File.ReadAllBytes(Path.Combine(directory, name));
        var shape = spec["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
        return name.EndsWith(".f64", StringComparison.Ordinal)
            ? torch.tensor(MemoryMarshal.Cast<byte, double>(bytes).ToArray(), shape)
            : torch.tensor(MemoryMarshal.Cast<byte, float>(bytes).ToArray(), shape);
    }

    /// <summary>Reads case.json.</summary>
    public static JsonNode ReadCase(string directory) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "case.json")))!;

    /// <summary>Writes case.json.</summary>
    public static void WriteCase(string directory, JsonObject content) =>
        File.WriteAllText(Path.Combine(directory, "case.json"), content.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

    /// <summary>
    /// The tolerance of tests/Data/pytorch_interop.py: in float64 every value within 1e-5 + 1e-5·|expected|; in
    /// float32, where each implementation alone is off by up to ~4e-5 on ResNet-50, within 1e-4 of the output's scale.
    /// </summary>
    public static void AssertClose(Tensor actual, Tensor expected, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        Assert.Equal(expected.dtype, actual.dtype);
        using var scope = torch.NewDisposeScope();
        var difference = (actual - expected).abs();
        var worst = difference.max().to_type(ScalarType.Float64).item<double>();
        var scale = expected.abs().max().to_type(ScalarType.Float64).item<double>();
        var ok = expected.dtype == ScalarType.Float64
            ? (difference - (1e-5 + (1e-5 * expected.abs()))).max().item<double>() <= 0
            : worst <= 1e-4 * Math.Max(1, scale);
        Assert.True(ok, $"{what} ({expected.dtype}): max |difference| {worst:G3} at max |value| {scale:G3}");
    }

    /// <summary>
    /// A folder dataset of random 16×16 RGB images: three classes, <paramref name="trainPerClass"/> training and two
    /// test images each. 16×16 is the smallest input every architecture takes, so the tests stay fast.
    /// </summary>
    public static string FolderDataset(string root, int trainPerClass = 8)
    {
        var files = new List<(string, byte[])>();
        var seed = 0;
        foreach (var cls in new[] { "circle", "square", "star" })
        {
            for (var i = 0; i < trainPerClass + 2; i++)
            {
                var split = i < trainPerClass ? "train" : "test";
                files.Add(($"{split}/{cls}/{i}.png", DataFixtures.EncodeRgb(DataFixtures.RandomBytes(3 * 16 * 16, seed++), 16, 16)));
            }
        }

        DataFixtures.WriteTree(root, files);
        return "folder:" + root;
    }
}
