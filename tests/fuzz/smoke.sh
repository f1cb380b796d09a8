#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (a separate build directory) and runs each
# one for FUZZ_SECONDS (default 3) from its seed corpus. Any crash, sanitizer report
# or round-trip failure fails the test.
set -euo pipefail
source_root=$1
build_dir=$2
seconds=${FUZZ_SECONDS:-3}

if [ ! -f "$build_dir/build.ninja" ]; then
  # -O0 with line tables only: the sanitizers' reports still name file and line, and
  # the build (protobuf's generated code above all) takes half the time of -O1. A few
  # seconds of smoke need coverage, not speed; longer runs (README.md) may set
  # FUZZ_OPTIMIZATION=1.
  CXX=${CXX:-clang++} meson setup "$build_dir" "$source_root" -Dfuzzing=true \
    -Dbuildtype=plain -Doptimization="${FUZZ_OPTIMIZATION:-0}" -Dcpp_args=-gline-tables-only \
    >"$build_dir.setup.log" 2>&1 || {
    cat "$build_dir.setup.log"
    exit 1
  }
fi
ninja -C "$build_dir" >"$build_dir.ninja.log" 2>&1 || {
  tail -50 "$build_dir.ninja.log"
  exit 1
}

status=0
for target in "$build_dir"/tests/fuzz/*_fuzz; do
  name=$(basename "$target" _fuzz)
  corpus=$(mktemp -d)
  trap 'rm -rf "$corpus"' EXIT
  cp -r "$source_root/tests/fuzz/corpus/$name/." "$corpus/" 2>/dev/null || true
  if "$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$build_dir/" \
      -print_final_stats=1 "$corpus" >"$build_dir/$name.log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$build_dir/$name.log" | grep -o '[0-9]*$' || echo '?')
    echo "fuzz $name: ok ($runs inputs in ${seconds}s)"
  else
    echo "fuzz $name: FAILED"
    tail -40 "$build_dir/$name.log"
    status=1
  fi
  rm -rf "$corpus"
done
exit $status
