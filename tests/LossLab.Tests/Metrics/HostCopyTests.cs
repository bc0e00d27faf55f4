using LossLab.Metrics;
using TorchSharp;

namespace LossLab.Tests.Metrics;

public sealed class HostCopyTests
{
    [Fact]
    public void Should_CopyTheValuesInRowOrder_When_TheTensorIsAViewOrNotFloat32()
    {
        // Given a slice starting inside its storage, a transposed (non-contiguous) matrix and a float64 one
        torch.manual_seed(6);
        using var x = torch.randn(20, 7);
        using var slice = x.narrow(0, 3, 5);
        using var transposed = x.t();
        using var doubles = torch.randn(6, 4, dtype: torch.ScalarType.Float64);

        foreach (var matrix in new[] { slice, transposed, doubles })
        {
            // When each is copied to the host
            var (values, rows, columns) = HostCopy.Matrix(matrix, "x");

            // Then the copy holds exactly the float32 values of the matrix, row after row
            using var expected = matrix.to(torch.ScalarType.Float32).contiguous();
            Assert.Equal([expected.shape[0], expected.shape[1]], new long[] { rows, columns });
            Assert.Equal(expected.data<float>().ToArray(), values);
        }
    }
}
