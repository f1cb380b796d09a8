#!/usr/bin/env bash
# Runs each test program given, one after the other, in one VM boot (a boot costs more
# than most of the tests): prints a banner per program, runs every one even after a
# failure, and exits 1 naming the failed ones, 77 if every one skipped, else 0.
set -uo pipefail
failed=() passed=0
for program in "$@"; do
  echo "=== $(basename "$program")"
  "$program"
  status=$?
  case $status in
    0) passed=$((passed + 1)) ;;
    77) echo "=== $(basename "$program"): skipped" ;;
    *) failed+=("$(basename "$program") (exit $status)") ;;
  esac
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "=== failed: ${failed[*]}"
  exit 1
fi
[ "$passed" -gt 0 ] || exit 77
echo "=== all $passed passed"
