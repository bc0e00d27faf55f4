#!/usr/bin/env bash
# Evaluation share of an epoch, before and after: `losslab reproduce E2 --preset quick` with two builds of the CLI,
# interleaved, and per loss the share eval_seconds / (train_seconds + eval_seconds) of every epoch of every repeat,
# with the test accuracy and macro-F1 each build's runs end with.
#
#   benchmarks/eval_share.sh --before /path/to/old/LossLab.Cli.dll --repeats 2 --out /tmp/eval-share
#
# Each repeat runs E2 (quick preset: small-cnn on 10,000/2,000 Fashion-MNIST images, 2 threads, every loss) once
# per build, alternating which build goes first; `uptime` is logged before and after each. The same seed trains
# the same model in both builds, so the accuracy and F1 differences are those of the evaluations alone.
# --after defaults to this repository's Release build; --epochs overrides the preset's 3; --seeds (default 1)
# seeds per loss from --seed (default 1).
# Writes DIR/shares.csv (every epoch of every run), DIR/summary.md (the table in benchmarks/README.md) and the
# runs themselves.
set -euo pipefail
cd "$(dirname "$0")/.."

before= after=src/LossLab.Cli/bin/Release/net10.0/LossLab.Cli.dll repeats=2 epochs= seed=1 seeds=1 out=
while [[ $# -gt 0 ]]; do
  case "$1" in
    --before) before=$2; shift 2 ;;
    --after) after=$2; shift 2 ;;
    --repeats) repeats=$2; shift 2 ;;
    --epochs) epochs=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "eval_share.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if [[ -z $before || -z $out ]]; then
  echo "usage: benchmarks/eval_share.sh --before OLD.dll [--after NEW.dll] [--repeats N] [--epochs N] [--seed S] [--seeds N] --out DIR" >&2
  exit 2
fi
for dll in "$before" "$after"; do
  [[ -f $dll ]] || { echo "eval_share.sh: no CLI build at $dll" >&2; exit 2; }
done

mkdir -p "$out"
log="$out/load.log"
run() { # build-name dll repeat
  local dir="$out/$1-$3"
  echo "$(date -u +%FT%TZ) $1 repeat $3 start: $(uptime)" | tee -a "$log"
  dotnet "$2" reproduce E2 --preset quick --seeds "$seeds" --seed "$seed" ${epochs:+--epochs "$epochs"} \
    --no-tensorboard --no-report --out "$dir" > "$dir.log" 2>&1
  echo "$(date -u +%FT%TZ) $1 repeat $3 end:   $(uptime)" | tee -a "$log"
}
for ((r = 1; r <= repeats; r++)); do
  if ((r % 2 == 1)); then
    run before "$before" "$r"; run after "$after" "$r"
  else
    run after "$after" "$r"; run before "$before" "$r"
  fi
done

/usr/bin/python3 - "$out" "$repeats" <<'EOF'
import csv, os, statistics, sys

out, repeats = sys.argv[1], int(sys.argv[2])
rows, final = [], {}
for build in ("before", "after"):
    for r in range(1, repeats + 1):
        runs = os.path.join(out, f"{build}-{r}", "runs")
        for run in sorted(os.listdir(runs)):
            loss, seed = run.removeprefix("loss=").split("_seed=")
            with open(os.path.join(runs, run, "metrics.csv")) as f:
                epochs = list(csv.DictReader(f))
            for e in epochs:
                train, ev = float(e["train_seconds"]), float(e["eval_seconds"])
                rows.append({"build": build, "repeat": r, "loss": loss, "seed": int(seed), "epoch": int(e["epoch"]),
                             "train_seconds": train, "eval_seconds": ev, "share": ev / (train + ev)})
            final[build, r, loss, int(seed)] = (float(epochs[-1]["accuracy"]), float(epochs[-1]["f1_macro"]))

with open(os.path.join(out, "shares.csv"), "w", newline="") as f:
    writer = csv.DictWriter(f, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)

order = ["ce", "focal", "improved", "triplet", "margin", "proxynca", "npair"]
losses = sorted({row["loss"] for row in rows}, key=lambda l: order.index(l) if l in order else len(order))
seeds = sorted({row["seed"] for row in rows})
lines = ["| loss | eval share before: median (every epoch) | after | eval s/epoch before → after (median) | final accuracy before → after, by seed | final macro-F1 before → after, by seed |",
         "|---|---|---|---|---|---|"]
for loss in losses:
    cells = [loss]
    for build in ("before", "after"):
        shares = [row["share"] for row in rows if row["loss"] == loss and row["build"] == build]
        cells.append(f"**{statistics.median(shares):.1%}** ({', '.join(f'{s:.1%}' for s in shares)})")
    evals = {b: statistics.median(row["eval_seconds"] for row in rows if row["loss"] == loss and row["build"] == b) for b in ("before", "after")}
    cells.append(f"{evals['before']:.2f} → {evals['after']:.2f}")
    for i in (0, 1):
        # Repeats train the same models: a value that differs between repeats is shown per repeat.
        pairs = [sorted({(final["before", r, loss, s][i], final["after", r, loss, s][i]) for r in range(1, repeats + 1)}) for s in seeds]
        cells.append("; ".join(" / ".join(f"{b:.4f} → {a:.4f} ({a - b:+.4f})" for b, a in p) for p in pairs))
    lines.append("| " + " | ".join(cells) + " |")
table = "\n".join(lines)
with open(os.path.join(out, "summary.md"), "w") as f:
    f.write(table + "\n")
print(table)
EOF
