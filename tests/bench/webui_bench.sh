#!/usr/bin/env bash
# The web UI's rendering benchmark (webui_bench.mjs): skips (exit 77), saying why,
# without node 20+, Chromium or playwright-core (installed in the build tree from
# webui/package-lock.json, as the browser test does).
#   webui_bench.sh SOURCE_ROOT BUILD_ROOT
set -euo pipefail
source_root=$1 build_root=$2
skip() { echo "SKIP: $*"; exit 77; }
command -v node >/dev/null || skip "node is not installed (scripts/install-deps installs nodejs)"
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] || skip "node $(node --version) is older than 20"
chromium=${MESOLITE_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || skip "$chromium is missing (scripts/install-deps installs chromium)"
modules=$build_root/webui-test-node
if [ ! -f "$modules/node_modules/playwright-core/package.json" ] ||
   ! cmp -s "$source_root/webui/package-lock.json" "$modules/package-lock.json"; then
  command -v npm >/dev/null || skip "npm is not installed"
  mkdir -p "$modules"
  cp "$source_root/webui/package.json" "$source_root/webui/package-lock.json" "$modules/"
  (cd "$modules" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) ||
    { rm -f "$modules/package-lock.json"; skip "npm ci of playwright-core failed (no registry?)"; }
fi
exec node "$source_root/tests/bench/webui_bench.mjs" --modules="$modules/node_modules" \
  --chromium="$chromium" --dist="$source_root/webui/dist" "${@:3}"
