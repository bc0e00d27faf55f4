using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Losses.Tests;

/// <summary>Reads tests/Data/losses_reference.json (written by losses_reference.py) and compares tensors with it.</summary>
internal static class LossReference
{
    private static readonly Lazy<JsonDocument> Document = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Data", "losses_reference.json"))));

    public static JsonElement Root => Document.Value.RootElement;

    public static JsonElement Softmax => Root.GetProperty("softmax");

    public static JsonElement Metric => Root.GetProperty("metric");

    public static double[] Vector(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    public static long[] Indices(JsonElement e) => e.EnumerateArray().Select(v => v.GetInt64()).ToArray();

    public static double[,] Matrix(JsonElement e)
    {
        var rows = e.EnumerateArray().Select(Vector).ToArray();
        var m = new double[rows.Length, rows[0].Length];
        for (var i = 0; i < rows.Length; i++)
        {
            for (var j = 0; j < rows[i].Length; j++)
            {
                m[i, j] = rows[i][j];
            }
        }

        return m;
    }

    public static Tensor MatrixTensor(JsonElement e, ScalarType dtype, bool requiresGrad = false) =>
        torch.tensor(Matrix(e), dtype: dtype).requires_grad_(requiresGrad);

    public static Tensor LongTensor(JsonElement e) => torch.tensor(Indices(e), dtype: ScalarType.Int64);

    /// <summary>Asserts |actual − expected| ≤ tol·max(1, |expected|) element-wise, reporting the worst element.</summary>
    public static void AssertClose(double[] expected, Tensor actual, double tol, string what)
    {
        var values = actual.detach().to(ScalarType.Float64).cpu().data<double>().ToArray();
        Assert.True(values.Length == expected.Length, $"{what}: {values.Length} values, expected {expected.Length}");
        var worst = 0.0;
        var at = -1;
        for (var i = 0; i < values.Length; i++)
        {
            var error = Math.Abs(values[i] - expected[i]) / Math.Max(1.0, Math.Abs(expected[i]));
            if (double.IsNaN(error))
            {
                (worst, at) = (double.NaN, i);
                break;
            }

            if (error > worst)
            {
                worst = error;
                at = i;
            }
        }

        Assert.True(worst <= tol, $"{what}: relative error {worst:E3} > {tol:E1} at {at} (got {(at >= 0 ? values[at] : 0)}, expected {(at >= 0 ? expected[at] : 0)})");
    }

    public static void AssertClose(double expected, Tensor actual, double tol, string what) => AssertClose([expected], actual, tol, what);

    public static void AssertClose(double[,] expected, Tensor actual, double tol, string what) =>
        AssertClose(expected.Cast<double>().ToArray(), actual, tol, what);

    public static void AssertClose(JsonElement expected, Tensor actual, double tol, string what)
    {
        if (expected.ValueKind == JsonValueKind.Number)
        {
            AssertClose(expected.GetDouble(), actual, tol, what);
        }
        else if (expected[0].ValueKind == JsonValueKind.Array)
        {
            AssertClose(Matrix(expected), actual, tol, what);
        }
        else
        {
            AssertClose(Vector(expected), actual, tol, what);
        }
    }

    /// <summary>Whether every element is finite.</summary>
    public static bool AllFinite(Tensor t) => t.isfinite().all().item<bool>();
}
