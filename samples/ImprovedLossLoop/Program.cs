// Trains a small MLP on two Gaussian blobs with LossLab's improved loss in a plain TorchSharp loop.
// Exits 0 when the loss falls and the model separates the classes, 1 otherwise.
using LossLab.Losses;
using TorchSharp;
using static TorchSharp.torch;

const int Samples = 512;
const int BatchSize = 64;
const int Epochs = 6;

torch.manual_seed(7);

// Class 0 around (-1, -1), class 1 around (1, 1), spread 0.7: about 98% separable.
var labels = torch.arange(Samples, dtype: ScalarType.Int64) % 2;
var centres = torch.tensor(new float[] { -1f, -1f, 1f, 1f }).reshape(2, 2);
var inputs = centres[labels] + (0.7 * torch.randn(Samples, 2));

var model = nn.Sequential(nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 2));
var loss = new ImprovedLoss(beta: 4.0, gamma: 2.0);
var optimizer = optim.Adam(model.parameters(), lr: 0.01);

var epochLosses = new List<double>();
for (var epoch = 1; epoch <= Epochs; epoch++)
{
    var order = torch.randperm(Samples);
    var sum = 0.0;
    var batches = 0;
    for (var start = 0; start < Samples; start += BatchSize)
    {
        using var scope = torch.NewDisposeScope();
        var batch = order[TensorIndex.Slice(start, start + BatchSize)];
        optimizer.zero_grad();
        var value = loss.forward(model.forward(inputs[batch]), labels[batch]);
        value.backward();
        optimizer.step();
        sum += value.item<float>();
        batches++;
    }

    epochLosses.Add(sum / batches);
    Console.WriteLine($"epoch {epoch}  loss {epochLosses[^1]:F4}");
}

double accuracy;
using (torch.no_grad())
{
    var predicted = model.forward(inputs).argmax(1);
    accuracy = predicted.eq(labels).to_type(ScalarType.Float32).mean().item<float>();
}

Console.WriteLine($"accuracy {accuracy:F3}");
if (!(epochLosses[^1] < 0.5 * epochLosses[0]) || accuracy < 0.9)
{
    Console.Error.WriteLine("the improved loss did not train the model: the loss should halve and accuracy reach 0.9");
    return 1;
}

return 0;
