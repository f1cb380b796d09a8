#!/usr/bin/env bash
# The web UI's rendering benchmark (webui_bench.mjs): skips (exit 77), saying why,
# without node 20+, Chromium or playwright-core (tests/e2e/webui_node_env.sh, as the
# browser test).
#   webui_bench.sh SOURCE_ROOT BUILD_ROOT
set -euo pipefail
source_root=$1 build_root=$2
source "$source_root/tests/e2e/webui_node_env.sh"
exec node "$source_root/tests/bench/webui_bench.mjs" --modules="$modules" \
  --chromium="$chromium" --dist="$source_root/webui/dist" "${@:3}"
