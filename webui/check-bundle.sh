#!/usr/bin/env bash
# Fails when webui/dist/ is not the bundle of the sources beside it: a source changed
# without `webui/build.sh` run again (the sources' hash differs from dist/BUILD-INFO), or
# the bundle edited by hand (its own hash differs), or index.html naming a missing asset.
set -euo pipefail
cd "$(dirname "$0")"
info=dist/BUILD-INFO
[ -f "$info" ] || { echo "webui: $info is missing: run webui/build.sh" >&2; exit 1; }
recorded_sources=$(awk '$1 == "sources" {print $2}' "$info")
recorded_bundle=$(awk '$1 == "bundle" {print $2}' "$info")
sources=$(./source-hash.sh)
if [ "$sources" != "$recorded_sources" ]; then
  echo "webui: the sources changed since dist/ was built (sources $sources, dist/ built" \
    "from $recorded_sources): run webui/build.sh and commit dist/" >&2
  exit 1
fi
bundle=$(cd dist && find . -type f ! -name BUILD-INFO -print0 | LC_ALL=C sort -z |
  xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [ "$bundle" != "$recorded_bundle" ]; then
  echo "webui: dist/ differs from what build.sh wrote (bundle $bundle, recorded" \
    "$recorded_bundle): run webui/build.sh rather than editing dist/" >&2
  exit 1
fi
for asset in $(grep -oE '(src|href)="\./assets/[^"]+"' dist/index.html | sed -E 's/^[a-z]+="\.\///; s/"$//'); do
  [ -f "dist/$asset" ] || { echo "webui: dist/index.html names $asset, which is missing" >&2; exit 1; }
done
echo "webui: dist/ matches its sources ($sources)"
