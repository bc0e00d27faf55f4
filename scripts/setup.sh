#!/usr/bin/env bash
# Installs the system packages LossLab's default job and tests use, when they are missing:
# Fashion-MNIST (Debian's dataset-fashion-mnist), plus any Debian packages named as arguments
# (scripts/test.sh asks for chromium, which the report test renders HTML with). Needs root (or
# sudo) on Debian/Ubuntu; elsewhere, point --data-dir or $LOSSLAB_DATA at the IDX files instead.
set -euo pipefail

need=()
[ -d /usr/share/datasets/fashion-mnist ] || need+=(dataset-fashion-mnist)
for extra in "$@"; do
  dpkg -s "$extra" >/dev/null 2>&1 || need+=("$extra")
done
[ ${#need[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup: apt-get not found; install ${need[*]} yourself (or pass --data-dir)" >&2
  exit 0
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "setup: installing ${need[*]}" >&2
$sudo apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
