using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

if (args.Length > 0 && args[0] == "reflect")
{
    foreach (var m in typeof(torch.Tensor).GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)) Console.WriteLine("Tensor." + m.Name);
    foreach (var t in typeof(torch).Assembly.GetTypes().Where(t => t.Name.Contains("DisposeScope") && t.IsPublic)) { Console.WriteLine(t.FullName); foreach (var m in t.GetProperties()) Console.WriteLine("  " + m.Name); }
    return;
}
if (args.Length > 0 && args[0] == "eval")
{
    torch.set_num_threads(int.Parse(args[1]));
    if (args[2] == "keep") LossLab.Training.NativeAllocator.KeepFreedMemory();
    var batch = int.Parse(args[3]);
    using var data = LossLab.Data.DatasetRegistry.Load("fashion-mnist", new LossLab.Data.DataOptions());
    torch.manual_seed(1);
    using var model = LossLab.Models.ModelRegistry.Create("small-cnn", 1, 10);
    var transform = new LossLab.Data.BatchTransform(data.Mean, data.Std);
    var idx = torch.arange(10000, dtype: ScalarType.Int64);
    var times = new List<double>();
    for (var r = 0; r < 3; r++)
    {
        var w = Stopwatch.StartNew();
        model.eval();
        using (torch.inference_mode())
        {
            for (long start = 0; start < 10000; start += batch)
            {
                using var sc = torch.NewDisposeScope();
                var images = transform.Normalize(data.Test.Images.index_select(0, idx.narrow(0, start, Math.Min(batch, 10000 - start))));
                var output = model.forward(images);
                output.Embedding.cpu();
            }
        }
        times.Add(w.Elapsed.TotalSeconds);
    }
    times.Sort();
    var p = Process.GetCurrentProcess();
    Console.WriteLine($"eval threads={args[1]} alloc={args[2]} batch={batch} omp={Environment.GetEnvironmentVariable("OMP_WAIT_POLICY")}: median {times[1]:F2} s  (cpu {p.TotalProcessorTime.TotalSeconds:F1} s, rss {LossLab.Benchmarking.MemoryProbe.ResidentMb():F0} MB)");
    return;
}
torch.set_num_threads(int.Parse(args.Length > 0 ? args[0] : "1"));
if (args.Length > 0 && args[0] == "2" && args.Length == 1)
{
    using var x = torch.randn(2000, 2000);
    x.sum();
    Console.WriteLine($"main before: {torch.get_num_threads()}");
    var th = new Thread(() => { Console.WriteLine($"worker initial: {torch.get_num_threads()}"); torch.set_num_threads(1); x.sum(); Console.WriteLine($"worker after set: {torch.get_num_threads()}"); Thread.Sleep(500); });
    th.Start();
    Thread.Sleep(200);
    Console.WriteLine($"main while worker at 1: {torch.get_num_threads()}");
    var fresh = new Thread(() => Console.WriteLine($"fresh thread while global=1: {torch.get_num_threads()}"));
    fresh.Start(); fresh.Join();
    th.Join();
    return;
}
torch.manual_seed(1);
var logits = (torch.randn(256, 100) * 3).requires_grad_();
var labels = torch.randint(100, [256], dtype: ScalarType.Int64);
var big = torch.randn(256, 100);

var small = torch.rand(256, 1) * -1;
var target = labels.unsqueeze(1);
var scaled4 = logits.detach().mul(4.0);
var logPfix = nn.functional.log_softmax(scaled4, 1);
var cases = new (string, Action)[]
{
    ("logits.mul(4)", () => logits.detach().mul(4.0)),
    ("log_softmax(scaled)", () => nn.functional.log_softmax(scaled4, 1)),
    ("exp(logP)", () => logPfix.exp()),
    ("exp(scaled)", () => scaled4.exp()),
    ("exp(big)", () => big.exp()),
    ("s.neg", () => small.neg()),
    ("s.expm1", () => small.expm1()),
    ("s.pow(5.0)", () => small.neg().pow_(5.0)),
    ("s.mul(s)", () => small.mul(small)),
    ("s.mean", () => small.mean()),
    ("s.addcdiv", () => torch.addcdiv(small, small, small, 2.0)),
    ("s.nan_to_num_", () => small.nan_to_num_(nan: 0.0)),
    ("gather", () => big.gather(1, target)),
    ("scatter_", () => big.scatter_(1, target, small)),
    ("unsqueeze", () => labels.unsqueeze(1)),
    ("big.mul_(s)", () => big.mul_(small)),
    ("native ce fwd+bwd", () => torch.autograd.grad([nn.functional.cross_entropy(logits, labels)], [logits])),
    ("improved (current) fwd+bwd", () => torch.autograd.grad([LossLab.Losses.LossFunctions.Improved(logits, labels, 4, 5)], [logits])),
    ("Imp2 fwd+bwd", () => torch.autograd.grad([Imp2.apply(logits, labels, 4.0, 5.0)], [logits])),
    ("exp2", () => logPfix.exp2()),
    ("pow(e, x)", () => torch.pow(Math.E, logPfix)),
    ("softmax(scaled) 2", () => nn.functional.softmax(scaled4, 1)),
    ("sigmoid", () => logPfix.sigmoid()),
    ("exp(logP)_", () => logPfix.exp()),
    ("12 small ops", () => { var a = small.neg(); for (var k = 0; k < 11; k++) a = a.neg(); }),
    ("mul beta", () => logits.detach().mul(4.0)),
    ("ce fwd+bwd on scaled", () => torch.autograd.grad([nn.functional.cross_entropy(logits.mul(4.0), labels)], [logits])),
    ("ce none+dot fwd+bwd", () => torch.autograd.grad([torch.dot(nn.functional.cross_entropy(logits, labels, reduction: nn.Reduction.None), small.view(-1))], [logits])),
    ("Lin fwd+bwd", () => torch.autograd.grad([Lin.Improved(logits, labels, 4.0, 5.0)], [logits])),
    ("Imp3 fwd+bwd", () => torch.autograd.grad([Imp3.apply(logits, labels, 4.0, 5.0)], [logits])),
    ("Imp3 Compute (no_grad)", () => { using var ng = torch.no_grad(); Imp3.Compute(logits, labels, 4, 5); }),
    ("softmax(scaled)", () => nn.functional.softmax(scaled4, 1)),
    ("IdentSave fwd+bwd", () => torch.autograd.grad([IdentSave.apply(logits, big)], [logits])),
    ("IdentArgs fwd+bwd", () => torch.autograd.grad([IdentArgs.apply(logits, labels, 4.0, 5.0)], [logits])),
    ("Imp2 Compute (no_grad)", () => { using var ng = torch.no_grad(); Imp2.Compute(logits, labels, 4, 5); }),
    ("native ce fwd (no_grad)", () => { using var ng = torch.no_grad(); nn.functional.cross_entropy(logits, labels); }),
    ("log_softmax", () => nn.functional.log_softmax(big, 1)),
    ("exp", () => big.exp()),
    ("mul", () => big.mul(4.0)),
    ("identity fn fwd+bwd", () => torch.autograd.grad([Ident.apply(logits)], [logits], [big])),
    ("sum fwd+bwd", () => torch.autograd.grad([logits.sum()], [logits])),
};
if (args.Length > 1)
{
    var c = cases.First(c => c.Item1 == args[1]).Item2;
    for (var i = 0; i < int.Parse(args[2]); i++) { using var sc = torch.NewDisposeScope(); c(); }
    return;
}
var best = cases.ToDictionary(c => c.Item1, _ => double.MaxValue);
for (var round = 0; round < 7; round++)
{
    foreach (var (name, a) in cases)
    {
        for (var i = 0; i < 50; i++) { using var s = torch.NewDisposeScope(); a(); }
        var proc = Process.GetCurrentProcess();
        var c0 = proc.TotalProcessorTime;
        const int n = 500;
        for (var i = 0; i < n; i++) { using var s = torch.NewDisposeScope(); a(); }
        proc.Refresh();
        best[name] = Math.Min(best[name], (proc.TotalProcessorTime - c0).TotalMicroseconds / n);
    }
}
foreach (var (k, v) in best) Console.WriteLine($"{k,-40} {v,8:F2} us");

sealed class Ident : autograd.SingleTensorFunction<Ident>
{
    public override string Name => "Ident";
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars) => ((Tensor)vars[0]).alias();
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor g) => [g];
}
sealed class IdentSave : autograd.SingleTensorFunction<IdentSave>
{
    public override string Name => "IdentSave";
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars) { ctx.save_for_backward([((Tensor)vars[1]).clone()]); return ((Tensor)vars[0]).sum(); }
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor g) { var s = ctx.get_saved_variables()[0]; return [s, null!]; }
}
sealed class IdentArgs : autograd.SingleTensorFunction<IdentArgs>
{
    public override string Name => "IdentArgs";
    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars) { return ((Tensor)vars[0]).sum(); }
    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor g) { return [g.expand(256, 100), null!, null!, null!]; }
}
