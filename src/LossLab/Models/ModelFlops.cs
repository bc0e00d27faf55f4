using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LossLab.Models;

/// <summary>Counts a model's forward floating-point operations per image.</summary>
public static class ModelFlops
{
    /// <summary>
    /// Forward FLOPs of one (channels, height, width) image through the model's <see cref="Conv2d"/> and
    /// <see cref="Linear"/> layers: a convolution costs 2·(Cin/groups)·Cout·kh·kw·Hout·Wout, a linear layer
    /// 2·in·out per row; biases, batch norm, pooling and activations are not counted (the usual
    /// multiply-add convention, ×2). Measured by running one zero image in eval mode with forward hooks;
    /// the model's train/eval mode is restored afterwards.
    /// </summary>
    /// <param name="model">The model; every conv and linear layer must be reached through <c>call()</c>.</param>
    /// <param name="channels">Image channels.</param>
    /// <param name="height">Image height.</param>
    /// <param name="width">Image width.</param>
    /// <exception cref="InvalidOperationException">A conv or linear layer was never reached by the hooks.</exception>
    public static long Estimate(LabModel model, int channels, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);

        long total = 0;
        var reached = new HashSet<nn.Module>(ReferenceEqualityComparer.Instance);
        var hooks = new List<Action>();
        foreach (var module in model.modules())
        {
            // The output's elements per output channel (conv) or per output feature (linear) count the
            // positions each weight is applied at; with batch 1 this is per image.
            switch (module)
            {
                case Conv2d conv:
                    var convHook = conv.register_forward_hook((m, _, output) =>
                    {
                        total += 2 * conv.weight!.numel() * (output.numel() / output.shape[1]);
                        reached.Add(m);
                        return output;
                    });
                    hooks.Add(convHook.remove);
                    break;
                case Linear linear:
                    var linearHook = linear.register_forward_hook((m, _, output) =>
                    {
                        total += 2 * linear.weight!.numel() * (output.numel() / output.shape[^1]);
                        reached.Add(m);
                        return output;
                    });
                    hooks.Add(linearHook.remove);
                    break;
            }
        }

        var wasTraining = model.training;
        try
        {
            model.eval();
            using var noGrad = torch.no_grad();
            using var scope = torch.NewDisposeScope();
            var device = model.parameters().FirstOrDefault()?.device ?? torch.CPU;
            using var input = torch.zeros([1, channels, height, width], device: device);
            model.forward(input);
        }
        finally
        {
            hooks.ForEach(remove => remove());
            model.train(wasTraining);
        }

        if (reached.Count != hooks.Count)
        {
            throw new InvalidOperationException(
                $"{hooks.Count - reached.Count} conv/linear layer(s) of '{model.GetName()}' were not reached through call(); FLOPs would be undercounted");
        }

        return total;
    }
}
