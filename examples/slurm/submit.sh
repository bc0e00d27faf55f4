#!/bin/bash
# Submits the array of shards (sweep.sbatch) and the report job that runs after it (report.sbatch), and prints
# both job ids. Run it again with the same LOSSLAB_OUT after a failure or a cancel: finished runs are skipped,
# interrupted ones resume from their checkpoints.
#
#   LOSSLAB_OUT=/shared/experiments/E2-quick examples/slurm/submit.sh [SBATCH OPTIONS FOR THE ARRAY...]
#
# e.g. `--array=1-3 --cpus-per-task=4` overrides the #SBATCH lines of sweep.sbatch. Options for both jobs go in
# sbatch's environment variables (SBATCH_PARTITION, SBATCH_ACCOUNT, ...). LOSSLAB and LOSSLAB_PLAN: see
# sweep.sbatch. Job logs go to $LOSSLAB_OUT/logs/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${LOSSLAB_OUT:?set LOSSLAB_OUT to the experiment directory (a file system every node sees)}"
LOSSLAB_OUT=$(realpath -m "$LOSSLAB_OUT")
export LOSSLAB_OUT
mkdir -p "$LOSSLAB_OUT/logs"

array=$(sbatch --parsable --output="$LOSSLAB_OUT/logs/%x-%A_%a.out" "$@" "$here/sweep.sbatch")
array=${array%%;*}
report=$(sbatch --parsable --dependency="afterany:$array" --output="$LOSSLAB_OUT/logs/%x-%j.out" "$here/report.sbatch")
report=${report%%;*}
echo "array job $array, report job $report; report: $LOSSLAB_OUT/report.html"
