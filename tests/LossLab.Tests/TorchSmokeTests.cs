using TorchSharp;
using static TorchSharp.torch;

namespace LossLab.Tests;

public sealed class TorchSmokeTests
{
    [Fact]
    public void Should_ReduceLoss_When_OneOptimizerStepIsTaken()
    {
        // Given a linear model and a regression target
        torch.manual_seed(1);
        using var model = nn.Linear(4, 1);
        using var x = torch.randn(16, 4);
        using var y = x.sum(1, keepdim: true);
        using var optimizer = torch.optim.SGD(model.parameters(), 0.05);

        // When one optimizer step runs
        using var before = nn.functional.mse_loss(model.forward(x), y);
        optimizer.zero_grad();
        before.backward();
        optimizer.step();
        using var after = nn.functional.mse_loss(model.forward(x), y);

        // Then the loss went down and the tensor op agrees with plain arithmetic
        Assert.True(after.item<float>() < before.item<float>(), $"loss {before.item<float>()} -> {after.item<float>()}");
        using var sum = torch.tensor(new float[] { 1, 2, 3 }).sum();
        Assert.Equal(6f, sum.item<float>());
    }
}
