#!/usr/bin/env bash
# Two builds of the embedding metrics against each other, interleaved process by process: typically the last build
# with the hand-written CPU kernels (k-means and Recall@K on SIMD dot-product tiles, commit b80e93c) and one with the
# libtorch-op implementation. Three measurements, each repeat alternating which build goes first:
#   metrics N    `losslab bench --steps 0 --eval --n N` (synthetic 10-class embeddings, 128 wide), median of 3 in-process
#   evaluate     wall time of `losslab evaluate --run RUN` (load data and model, embed, predict, metrics: what a user waits for)
#   csv          wall time of `losslab metrics --embeddings CSV` (with --csv: read the file, then the metrics)
#
#   benchmarks/metrics_kernels.sh --a /tmp/kernels/LossLab.Cli.dll --b src/LossLab.Cli/bin/Release/net10.0/LossLab.Cli.dll \
#       --run runs/loss=margin_seed=1 --repeats 5
#
# Prints every repeat with `uptime`, then the medians and their ratio b / a.
set -euo pipefail
cd "$(dirname "$0")/.."

a= b=src/LossLab.Cli/bin/Release/net10.0/LossLab.Cli.dll run= repeats=5 sizes="2000 10000" csv=
while [[ $# -gt 0 ]]; do
  case "$1" in
    --a) a=$2; shift 2 ;;
    --b) b=$2; shift 2 ;;
    --run) run=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    --sizes) sizes=$2; shift 2 ;;
    --csv) csv=$2; shift 2 ;;
    *) echo "metrics_kernels.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [[ -z $a || -z $run ]]; then
  echo "usage: benchmarks/metrics_kernels.sh --a A.dll [--b B.dll] --run RUN_DIR [--repeats N] [--sizes \"2000 10000\"] [--csv EMBEDDINGS.csv]" >&2
  exit 2
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
declare -A times
measure() { # build dll what
  local t
  case "$3" in
    metrics-*)
      t=$(dotnet "$2" bench --steps 0 --eval --n "${3#metrics-}" --repeats 3 --matmul-size 64 --json 2>/dev/null | tail -n 1 |
        /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["eval_seconds"])') ;;
    csv)
      local start end
      start=$(date +%s%N)
      dotnet "$2" metrics --embeddings "$csv" > /dev/null
      end=$(date +%s%N)
      t=$(/usr/bin/python3 -c "print(f'{($end - $start) / 1e9:.3f}')") ;;
    evaluate)
      local start end
      start=$(date +%s%N)
      dotnet "$2" evaluate --run "$run" --checkpoint last --device cpu --out "$scratch/evaluation.json" > /dev/null
      end=$(date +%s%N)
      t=$(/usr/bin/python3 -c "print(f'{($end - $start) / 1e9:.3f}')") ;;
  esac
  times[$1,$3]+="$t "
  echo "$1 $3: $t s   ($(uptime | sed 's/.*load/load/'))"
}
whats=()
for n in $sizes; do whats+=("metrics-$n"); done
whats+=(evaluate)
[[ -n $csv ]] && whats+=(csv)
for ((r = 1; r <= repeats; r++)); do
  echo "repeat $r"
  for what in "${whats[@]}"; do
    if ((r % 2 == 1)); then measure a "$a" "$what"; measure b "$b" "$what"; else measure b "$b" "$what"; measure a "$a" "$what"; fi
  done
done

for what in "${whats[@]}"; do
  /usr/bin/python3 - "$what" "${times[a,$what]}" "${times[b,$what]}" <<'EOF'
import statistics, sys
what, a, b = sys.argv[1], [float(x) for x in sys.argv[2].split()], [float(x) for x in sys.argv[3].split()]
ma, mb = statistics.median(a), statistics.median(b)
print(f"{what}: a {ma:.3f} s ({', '.join(f'{x:.3f}' for x in a)}), b {mb:.3f} s ({', '.join(f'{x:.3f}' for x in b)}), b/a {mb / ma:.3f}")
EOF
done
