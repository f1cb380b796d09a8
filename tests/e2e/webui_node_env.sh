# Sourced by the web UI's browser test and benchmark: checks node (20 or later) and
# Chromium, skipping (exit 77) saying why, and installs playwright-core at the version
# webui/package-lock.json locks into the build tree (not the sources) the first time.
# Needs $source_root and $build_root; sets $chromium and $modules (a node_modules dir).
skip() { echo "SKIP: $*"; exit 77; }

command -v node >/dev/null || skip "node is not installed (scripts/install-deps installs nodejs)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || skip "node $(node --version) is too old for playwright-core (20 or later)"
chromium=${MESOLITE_CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || skip "$chromium is missing (scripts/install-deps installs chromium)"

modules_root=$build_root/webui-test-node
if [ ! -f "$modules_root/node_modules/playwright-core/package.json" ] ||
   ! cmp -s "$source_root/webui/package-lock.json" "$modules_root/package-lock.json"; then
  command -v npm >/dev/null || skip "npm is not installed (scripts/install-deps installs npm)"
  mkdir -p "$modules_root"
  cp "$source_root/webui/package.json" "$source_root/webui/package-lock.json" "$modules_root/"
  (cd "$modules_root" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error) ||
    { rm -f "$modules_root/package-lock.json"; skip "npm ci of playwright-core failed (no registry?)"; }
fi
modules=$modules_root/node_modules
