#!/usr/bin/env bash
# Runs the test suite: installs what the end-to-end tests read (Fashion-MNIST) and use (chromium, which
# renders the HTML report), restores, checks formatting, tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh chromium
dotnet restore LossLab.slnx
dotnet format LossLab.slnx --verify-no-changes --no-restore
dotnet test LossLab.slnx -c Release --no-restore --logger "console;verbosity=normal" "$@"
