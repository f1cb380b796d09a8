#!/usr/bin/env bash
# The generated man pages: every option a binary's --help lists is documented in its
# page, and `man` renders each page without a warning.
#
#   man_pages_test.sh MANDIR AGENT MASTER EXECUTE PS CAT TAIL RESOLVE
set -euo pipefail
mandir=$1
command -v man >/dev/null || { echo "SKIP: man is not installed (package man-db)"; exit 77; }

failures=0
render() { LC_ALL=C MANWIDTH=120 man -l -P cat "$1" 2>/dev/null; }

check_page() {  # check_page PAGE BINARY
  local page=$mandir/$1 binary=$2 text warnings missing=()
  if [ ! -s "$page" ]; then
    echo "FAIL - $page is missing or empty"
    failures=$((failures + 1))
    return
  fi
  warnings=$(LC_ALL=C MANWIDTH=120 man --warnings -l -P cat "$page" 2>&1 >/dev/null || true)
  if [ -n "$warnings" ]; then
    echo "FAIL - man warns about $1: $warnings"
    failures=$((failures + 1))
  fi
  text=$(render "$page")
  [ -n "$binary" ] || { echo "ok   - $1 renders"; return; }
  local flags
  flags=$("$binary" --help | sed -n 's/^  --\(\[no-\]\)\{0,1\}\([A-Za-z0-9_]*\).*/\2/p')
  [ -n "$flags" ] || { echo "FAIL - $binary --help lists no options"; failures=$((failures + 1)); return; }
  for flag in $flags; do
    grep -q -- "--$flag\b" <<<"$text" || missing+=("--$flag")
  done
  if [ ${#missing[@]} -ne 0 ]; then
    echo "FAIL - $1 does not document ${missing[*]}"
    failures=$((failures + 1))
  else
    echo "ok   - $1 documents all $(wc -w <<<"$flags") options of $(basename "$binary") --help"
  fi
}

check_page mesos-agent.8 "$2"
check_page mesos-master.8 "$3"
check_page mesos-execute.1 "$4"
check_page mesos.1 "$5"
check_page mesos-cat.1 "$6"
check_page mesos-tail.1 "$7"
check_page mesos-resolve.1 "$8"
check_page mesos-init-wrapper.8 ""
check_page mesolite-isolators.7 ""
# mesos-slave(8) is the agent's page under its old name; mesos-ps(1) is mesos(1).
for link in "mesos-slave.8 man8/mesos-agent.8" "mesos-ps.1 man1/mesos.1"; do
  set -- $link
  if [ "$(cat "$mandir/$1")" = ".so $2" ]; then
    echo "ok   - $1 points to $2"
  else
    echo "FAIL - $1 is not a link to $2"
    failures=$((failures + 1))
  fi
done
[ "$failures" -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "all checks passed"
