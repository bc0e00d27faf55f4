using System.Numerics;
using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace LossLab.Metrics;

/// <summary>Copies tensors from any device into host arrays for the CPU kernels, checking shapes.</summary>
internal static class HostCopy
{
    /// <summary>An (N, D) floating-point tensor as a row-major float32 array.</summary>
    public static (float[] Values, int Rows, int Columns) Matrix(Tensor matrix, string parameterName)
    {
        if (matrix.dim() != 2 || !matrix.is_floating_point())
        {
            throw new ArgumentException($"Expected an (N, D) floating-point tensor, got {matrix.dtype} of shape [{string.Join(", ", matrix.shape)}].", parameterName);
        }

        if (matrix.shape[0] * matrix.shape[1] > Array.MaxLength)
        {
            throw new ArgumentException($"The tensor has {matrix.shape[0]} × {matrix.shape[1]} values, more than one array can hold.", parameterName);
        }

        float[] values;
        using (NewDisposeScope())
        {
            // One block copy of the storage: the element-wise data<float>() accessor costs a few
            // nanoseconds a value, several milliseconds for 10,000 × 128 embeddings.
            var host = matrix.detach().to(ScalarType.Float32, CPU).contiguous();
            values = new float[host.numel()];
            MemoryMarshal.Cast<byte, float>(host.bytes).CopyTo(values);
        }

        // NaN or ±∞ would silently break every nearest-neighbour comparison downstream.
        if (!AllFinite(values))
        {
            throw new ArgumentException("The tensor contains NaN or infinite values.", parameterName);
        }

        return (values, (int)matrix.shape[0], (int)matrix.shape[1]);
    }

    private static bool AllFinite(ReadOnlySpan<float> values)
    {
        var w = Vector<float>.Count;
        var i = 0;
        for (; i + w <= values.Length; i += w)
        {
            var v = new Vector<float>(values[i..]);

            // x − x is 0 for finite x and NaN for NaN or ±∞.
            if (!Vector.EqualsAll(v - v, Vector<float>.Zero))
            {
                return false;
            }
        }

        for (; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>An (N) integer tensor as an int64 array.</summary>
    public static long[] Labels(Tensor labels, int count, string parameterName)
    {
        if (labels.dim() != 1 || labels.shape[0] != count || labels.is_floating_point())
        {
            throw new ArgumentException($"Expected ({count}) integer labels, got {labels.dtype} of shape [{string.Join(", ", labels.shape)}].", parameterName);
        }

        using var scope = NewDisposeScope();
        var host = labels.to(ScalarType.Int64, CPU).contiguous();
        return host.data<long>().ToArray();
    }
}
