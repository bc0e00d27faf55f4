#!/usr/bin/env bash
# End-to-end epoch time of `losslab train` for several builds of LossLab, interleaved: what a user waits for.
#
#   benchmarks/epoch_time.sh --repeats 3 --losses improved,triplet,margin,proxynca,npair,contrastive \
#       --build old='dotnet /path/to/old/LossLab.Cli.dll' --build new='dotnet src/LossLab.Cli/bin/Release/net10.0/LossLab.Cli.dll'
#
# For each repeat and loss, every build trains one run of
#   train --dataset fashion-mnist --model small-cnn --loss LOSS --epochs 1 --train-limit 10000 --test-limit 2000 --threads 2
# (other train options after --), the builds' order rotating from one repeat to the next, so that each loss's builds
# run back to back under the same machine load. Each run prints train_seconds (metrics.csv: the epoch's training
# time, evaluation excluded), eval_seconds, accuracy and the 1-minute load average when it started; the end prints the
# median train_seconds per loss and build and each build's median over the first build's. --csv FILE keeps the rows.
set -euo pipefail
cd "$(dirname "$0")/.."

repeats=3 losses=improved,triplet,margin,proxynca,npair,contrastive csv= names=() commands=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --repeats) repeats=$2; shift 2 ;;
    --losses) losses=$2; shift 2 ;;
    --csv) csv=$2; shift 2 ;;
    --build) names+=("${2%%=*}"); commands+=("${2#*=}"); shift 2 ;;
    --) shift; break ;;
    *) echo "epoch_time.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [[ ${#names[@]} -eq 0 ]]; then
  names=(current) commands=("dotnet src/LossLab.Cli/bin/Release/net10.0/LossLab.Cli.dll")
fi
extra=("$@")
if [[ ${#extra[@]} -eq 0 ]]; then
  extra=(--dataset fashion-mnist --model small-cnn --epochs 1 --train-limit 10000 --test-limit 2000 --threads 2)
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rows=$work/rows.csv
echo "repeat,loss,build,train_seconds,eval_seconds,accuracy,load1" > "$rows"
IFS=, read -r -a loss_list <<< "$losses"
builds=${#names[@]}
for ((r = 1; r <= repeats; r++)); do
  for loss in "${loss_list[@]}"; do
    for ((k = 0; k < builds; k++)); do
      b=$(((k + r - 1) % builds))
      out=$work/run-$r-$loss-$b
      load=$(cut -d' ' -f1 /proc/loadavg)
      # shellcheck disable=SC2086 # the build's command is a command line
      ${commands[$b]} train --loss "$loss" "${extra[@]}" --out "$out" > "$work/log" 2>&1 || { cat "$work/log" >&2; exit 1; }
      row=$(/usr/bin/python3 -c '
import csv, sys
last = list(csv.DictReader(open(sys.argv[1])))[-1]
print(",".join([last["train_seconds"], last["eval_seconds"], last["accuracy"]]))' "$out/metrics.csv")
      echo "$r,$loss,${names[$b]},$row,$load" >> "$rows"
      echo "repeat $r/$repeats $loss ${names[$b]}: train_seconds,eval_seconds,accuracy = $row (load $load)" >&2
      rm -rf "$out"
    done
  done
done

[[ -n $csv ]] && cp "$rows" "$csv"
/usr/bin/python3 - "$rows" "${names[@]}" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
builds = sys.argv[2:]
losses = list(dict.fromkeys(r["loss"] for r in rows))
print("loss," + ",".join(f"{b} median s" for b in builds) + "," + ",".join(f"{b}/{builds[0]}" for b in builds[1:]) + ",repeats (train_seconds)")
for loss in losses:
    times = {b: [float(r["train_seconds"]) for r in rows if r["loss"] == loss and r["build"] == b] for b in builds}
    med = {b: statistics.median(t) for b, t in times.items()}
    repeats = "; ".join(f"{b}: " + " ".join(f"{t:.2f}" for t in times[b]) for b in builds)
    print(f"{loss}," + ",".join(f"{med[b]:.2f}" for b in builds) + "," + ",".join(f"{med[b] / med[builds[0]]:.3f}" for b in builds[1:]) + f",{repeats}")
PY
