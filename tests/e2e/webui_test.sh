#!/usr/bin/env bash
# The web UI in a real browser: checks what it needs, then runs webui_test.mjs (node,
# Playwright driving Debian's headless Chromium). As root against a real agent and
# mesos-execute; otherwise (or with MESOLITE_WEBUI_SCRIPTED=1) through SCRIPTED_TEST, a
# scripted agent and scheduler. Skips (exit 77), saying why, when node or Chromium is missing.
# SCRIPTED_TEST may also be webui_ha_test (three masters; MESOLITE_WEBUI_SCRIPTED=1).
#   webui_test.sh SOURCE_ROOT BUILD_ROOT MASTER AGENT EXECUTE LAUNCHER_DIR SCRIPTED_TEST
set -euo pipefail
source_root=$1 build_root=$2
source "$source_root/tests/e2e/webui_node_env.sh"

artifacts=$build_root/meson-logs/webui
mkdir -p "$artifacts"
if [ "$(id -u)" -ne 0 ] || [ "${MESOLITE_WEBUI_SCRIPTED:-0}" = 1 ]; then
  echo "webui: a scripted agent and scheduler (the real agent needs root)"
  MESOLITE_NODE=$(command -v node) MESOLITE_WEBUI_TEST=$source_root/tests/e2e/webui_test.mjs \
    MESOLITE_WEBUI_HA=$source_root/tests/e2e/webui_ha_test.mjs \
    MESOLITE_CHROMIUM=$chromium MESOLITE_WEBUI_MODULES=$modules \
    MESOLITE_WEBUI_ARTIFACTS=$artifacts MESOLITE_WEBUI_DIR=$source_root/webui/dist \
    MESOLITE_MASTER=$3 exec "$7"
fi
exec node "$source_root/tests/e2e/webui_test.mjs" --chromium="$chromium" \
  --webui="$source_root/webui/dist" --artifacts="$artifacts" --modules="$modules" \
  --master="$3" --agent="$4" --execute="$5" --launcher-dir="$6"
