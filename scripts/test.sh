#!/usr/bin/env bash
# Runs the test suite: installs what the end-to-end tests read (Fashion-MNIST) and use (chromium, which
# renders the HTML report; python3-torch, which checks models exported to and loaded from PyTorch), restores,
# checks formatting, tests, then packs the packages and uses them as a user would (scripts/test-packages.sh;
# LOSSLAB_SKIP_PACKAGES=1 skips that part). Arguments go to dotnet test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh chromium python3-torch
dotnet restore LossLab.slnx
dotnet format LossLab.slnx --verify-no-changes --no-restore
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test LossLab.slnx -c Release --no-restore --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log" || status=$?
# awk alone: a grep finding no "Failed:" line would end the script under pipefail.
passed=$(awk '/^[[:space:]]+Passed: [0-9]+/ {s += $2} END {print s + 0}' "$log")
failed=$(awk '/^[[:space:]]+Failed: [0-9]+/ {s += $2} END {print s + 0}' "$log")
if [[ $failed -gt 0 ]]; then
  # Repeat each failure (name, message, top of the stack) at the end, where a truncated CI log still shows it.
  echo "failed tests:"
  awk '/^[[:space:]]+Failed [A-Za-z]/ {n = 25} n > 0 {print; n--}' "$log"
fi
echo "tests: $passed passed, $failed failed"
if [[ ${LOSSLAB_SKIP_PACKAGES:-0} != 1 ]]; then
  scripts/test-packages.sh --no-build || { echo "packages: FAILED" >&2; status=1; }
fi
exit "$status"
