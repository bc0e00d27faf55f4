#!/usr/bin/env bash
# Tests the packages the way their users take them:
#   1. dotnet pack: LossLab.Losses, LossLab and the tool LossLab.Cli (command losslab) into artifacts/packages;
#   2. samples/ImprovedLossLoop restored from that folder (a PackageReference, not a project reference), built and
#      run: it trains with ImprovedLoss and exits non-zero if the loss does not fall;
#   3. the tool installed from its .nupkg into a temporary folder and a short `losslab train` run from a directory
#      outside the repository, which must exit 0 and write summary.json.
# Every run packs a version of its own (VersionPrefix-ci.<time>.<pid>) and restores the sample into a temporary
# packages folder that reads third-party packages from the global NuGet cache without writing to it, so a rerun
# always tests the fresh pack and no LossLab package is left in the cache. Needs the Fashion-MNIST files
# (scripts/setup.sh) for step 3. --no-build packs what the last Release build left (scripts/test.sh passes it
# after dotnet test has built everything).
set -euo pipefail
build=()
[[ ${1:-} == --no-build ]] && build=(--no-build)
cd "$(dirname "$0")/.."
repo=$PWD
start=$SECONDS
feed=$repo/artifacts/packages
sample=samples/ImprovedLossLoop
prefix=$(sed -n 's:.*<VersionPrefix>\(.*\)</VersionPrefix>.*:\1:p' Directory.Build.props)
version="$prefix-ci.$(date -u +%Y%m%d%H%M%S).$$"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mark=$SECONDS
took() { echo "packages: $1 took $((SECONDS - mark)) s"; mark=$SECONDS; }

echo "packages: packing $version into ${feed#"$repo"/}"
rm -rf "$feed"
dotnet pack LossLab.slnx -c Release --no-restore "${build[@]}" -p:PackageVersion="$version" -v quiet -nologo
ls -l "$feed"
took pack
packages=("$feed"/*.nupkg)
if [[ ${#packages[@]} -ne 3 ]]; then
  echo "packages: expected 3 packages, got ${#packages[@]}: ${packages[*]}" >&2
  exit 1
fi

echo "packages: building $sample against LossLab.Losses $version"
global=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')
dotnet restore "$sample" --packages "$work/packages" -p:RestoreAdditionalProjectFallbackFolders="$global" \
  -p:LossLabVersion="$version" -v quiet
dotnet format "$sample" --verify-no-changes --no-restore
dotnet build "$sample" -c Release --no-restore -p:LossLabVersion="$version" -v quiet -nologo
took "sample restore, format check and build"
dotnet "$sample/bin/Release/net10.0/ImprovedLossLoop.dll"
took "sample run"

echo "packages: installing the tool LossLab.Cli $version"
dotnet tool install --tool-path "$work/tool" --add-source "$feed" LossLab.Cli --version "$version"
took "tool install"
mkdir "$work/run"
cd "$work/run"
"$work/tool/losslab" train --epochs 1 --train-limit 500 --test-limit 200 --out short
if [[ ! -s short/summary.json ]]; then
  echo "packages: losslab train exited 0 but wrote no summary.json" >&2
  exit 1
fi
took "losslab train"
echo "packages: ok in $((SECONDS - start)) s"
