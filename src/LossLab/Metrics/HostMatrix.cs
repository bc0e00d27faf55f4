using static TorchSharp.torch;

namespace LossLab.Metrics;

/// <summary>Copies an (N, D) floating-point tensor from any device into a row-major float32 array.</summary>
internal static class HostMatrix
{
    public static (float[] Values, int Rows, int Columns) FromTensor(Tensor matrix, string parameterName)
    {
        if (matrix.dim() != 2 || !matrix.is_floating_point())
        {
            throw new ArgumentException($"Expected an (N, D) floating-point tensor, got {matrix.dtype} of shape [{string.Join(", ", matrix.shape)}].", parameterName);
        }

        if (matrix.shape[0] * matrix.shape[1] > Array.MaxLength)
        {
            throw new ArgumentException($"The tensor has {matrix.shape[0]} × {matrix.shape[1]} values, more than one array can hold.", parameterName);
        }

        using var host = matrix.detach().to(ScalarType.Float32, CPU).contiguous();
        return (host.data<float>().ToArray(), (int)matrix.shape[0], (int)matrix.shape[1]);
    }
}
