#!/usr/bin/env bash
# Prints the SHA-256 of the web UI's sources (every file the bundle is built from), the
# same way for build.sh, which records it in dist/BUILD-INFO, and for the test that
# checks the checked-in bundle against its sources. Needs only coreutils.
set -euo pipefail
cd "$(dirname "$0")"
find index.html package.json package-lock.json tsconfig.json vite.config.ts build.sh src \
  -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
