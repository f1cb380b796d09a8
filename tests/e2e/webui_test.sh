#!/usr/bin/env bash
# The web UI in a real browser: checks what it needs, then runs webui_test.mjs (node,
# Playwright driving Debian's headless Chromium). As root against a real agent and
# mesos-execute; otherwise (or with MESOLITE_WEBUI_SCRIPTED=1) through SCRIPTED_TEST, a
# scripted agent and scheduler. Skips (exit 77), saying why, when node or Chromium is missing.
# SCRIPTED_TEST may also be webui_ha_test (three masters; MESOLITE_WEBUI_SCRIPTED=1).
#   webui_test.sh SOURCE_ROOT BUILD_ROOT MASTER AGENT EXECUTE LAUNCHER_DIR SCRIPTED_TEST
set -euo pipefail
source_root=$1 build_root=$2
skip() { echo "SKIP: $*"; exit 77; }

command -v node >/dev/null || skip "node is not installed (scripts/install-deps installs nodejs)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || skip "node $(node --version) is too old for playwright-core (20 or later)"
chromium=${MESOLITE_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || skip "$chromium is missing (scripts/install-deps installs chromium)"

# playwright-core, at the version webui/package-lock.json locks, installed in the build
# tree (not in the sources) the first time.
modules=$build_root/webui-test-node
if [ ! -f "$modules/node_modules/playwright-core/package.json" ] ||
   ! cmp -s "$source_root/webui/package-lock.json" "$modules/package-lock.json"; then
  command -v npm >/dev/null || skip "npm is not installed (scripts/install-deps installs npm)"
  mkdir -p "$modules"
  cp "$source_root/webui/package.json" "$source_root/webui/package-lock.json" "$modules/"
  (cd "$modules" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) ||
    { rm -f "$modules/package-lock.json"; skip "npm ci of playwright-core failed (no registry?)"; }
fi

artifacts=$build_root/meson-logs/webui
mkdir -p "$artifacts"
if [ "$(id -u)" -ne 0 ] || [ "${MESOLITE_WEBUI_SCRIPTED:-0}" = 1 ]; then
  echo "webui: a scripted agent and scheduler (the real agent needs root)"
  MESOLITE_NODE=$(command -v node) MESOLITE_WEBUI_TEST=$source_root/tests/e2e/webui_test.mjs \
    MESOLITE_WEBUI_HA=$source_root/tests/e2e/webui_ha_test.mjs \
    MESOLITE_CHROMIUM=$chromium MESOLITE_WEBUI_MODULES=$modules/node_modules \
    MESOLITE_WEBUI_ARTIFACTS=$artifacts MESOLITE_WEBUI_DIR=$source_root/webui/dist \
    MESOLITE_MASTER=$3 exec "$7"
fi
exec node "$source_root/tests/e2e/webui_test.mjs" --chromium="$chromium" \
  --webui="$source_root/webui/dist" --artifacts="$artifacts" --modules="$modules/node_modules" \
  --master="$3" --agent="$4" --execute="$5" --launcher-dir="$6"
