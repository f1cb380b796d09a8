#!/usr/bin/env bash
# Rebuilds the checked-in bundle webui/dist/ from the sources: npm ci (the locked
# versions), a type check, vite build, then dist/BUILD-INFO recording the sources' hash
# (source-hash.sh) and the bundle's, which the test webui_bundle compares. Run it after
# any change under webui/ and commit dist/ with the change.
set -euo pipefail
cd "$(dirname "$0")"
command -v npm >/dev/null || { echo "webui/build.sh: npm is needed (scripts/install-deps)" >&2; exit 1; }
npm ci --no-audit --no-fund --loglevel=error
npx tsc --noEmit
npx vite build --logLevel warn
sources=$(./source-hash.sh)
bundle=$(cd dist && find . -type f ! -name BUILD-INFO -print0 | LC_ALL=C sort -z |
  xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
printf 'sources %s\nbundle %s\n' "$sources" "$bundle" > dist/BUILD-INFO
echo "webui/build.sh: dist/ rebuilt (sources $sources)"
