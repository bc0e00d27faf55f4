#!/usr/bin/env bash
# LossLab against PyTorch: training throughput of the same model, batch, loss and threads, interleaved.
#
#   benchmarks/compare.sh --model resnet18 --batch-size 128 --threads 2 --steps 3 --repeats 5
#
# Each repeat runs one PyTorch process (benchmarks/pytorch_reference.py) and one `losslab bench` process, in
# alternating order, each doing its warm-up step and then --steps timed steps on synthetic tensors; LossLab's
# number is its pure step (train_img_per_s). Prints every repeat, the medians and their ratio.
# PyTorch runs with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset, so OpenBLAS picks its kernel for this CPU.
# --pytorch-keep-freed-memory gives PyTorch the malloc setting LossLab applies to itself (no mmap for large
# buffers, no trimming; see src/LossLab/Hosting/NativeAllocator.cs) through GLIBC_TUNABLES, to show how much of the
# difference that setting alone makes.
# --dataset gives LossLab's bench the image shape (it reads it from the dataset): cifar10 by default (official files,
# or folder:PATH to CIFAR-10 images), 3x32x32 for PyTorch too; fashion-mnist makes both 1x28x28.
# LOSSLAB overrides the command that runs the CLI (default: the Release build in this repository).
set -euo pipefail
cd "$(dirname "$0")/.."

model=small-cnn batch=128 threads=2 steps=5 repeats=5 loss=ce tunables= dataset=cifar10
while [[ $# -gt 0 ]]; do
  case "$1" in
    --model) model=$2; shift 2 ;;
    --batch-size) batch=$2; shift 2 ;;
    --threads) threads=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    --loss) loss=$2; shift 2 ;;
    --dataset) dataset=$2; shift 2 ;;
    --pytorch-keep-freed-memory) tunables=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=2147483647; shift ;;
    *) echo "compare.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

shape=(--channels 3 --size 32)
[[ $dataset == fashion-mnist ]] && shape=(--channels 1 --size 28)
losslab=${LOSSLAB:-dotnet src/LossLab.Cli/bin/Release/net10.0/LossLab.Cli.dll}
python=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE ${tunables:+GLIBC_TUNABLES=$tunables} /usr/bin/python3 benchmarks/pytorch_reference.py
        --model "$model" --batch-size "$batch" --threads "$threads" --steps "$steps" --loss "$loss" --repeats 1 "${shape[@]}")
# The pure step on synthetic tensors only: a token matrix product, no pipeline steps.
ours=($losslab bench --model "$model" --batch-size "$batch" --threads "$threads" --steps "$steps" --loss "$loss"
      --repeats 1 --matmul-size 256 --no-pipeline --json --dataset "$dataset")

torch_runs=() ours_runs=()
run_torch() { torch_runs+=("$("${python[@]}" | tail -n 1 | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["img_per_s"])')"); }
run_ours() { ours_runs+=("$("${ours[@]}" 2>/dev/null | tail -n 1 | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["train_img_per_s"])')"); }

for ((i = 1; i <= repeats; i++)); do
  if ((i % 2)); then run_torch; run_ours; else run_ours; run_torch; fi
  echo "repeat $i/$repeats: pytorch ${torch_runs[-1]} img/s, losslab ${ours_runs[-1]} img/s" >&2
done

/usr/bin/python3 - "$model" "$batch" "$threads" "${tunables:-default}" "${torch_runs[*]}" "${ours_runs[*]}" <<'PY'
import json, statistics, sys
model, batch, threads, pytorch_malloc, torch_runs, ours_runs = sys.argv[1:]
torch_runs = [float(x) for x in torch_runs.split()]
ours_runs = [float(x) for x in ours_runs.split()]
t, o = statistics.median(torch_runs), statistics.median(ours_runs)
print(json.dumps({"model": model, "batch_size": int(batch), "threads": int(threads), "pytorch_malloc": pytorch_malloc,
                  "pytorch_img_per_s": t, "losslab_img_per_s": o, "ratio": o / t,
                  "pytorch_runs": torch_runs, "losslab_runs": ours_runs}))
PY
