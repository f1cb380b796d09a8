#!/bin/bash
# Checks, from inside the VM, what tests/vm/vm-run promises:
#   tests/vm/vm-run [--systemd] -- bash tests/vm/selftest.sh [--systemd] [--expect-env NAME=VALUE]
set -euo pipefail

systemd=0 expect_env=
while [ $# -gt 0 ]; do
  case "$1" in
    --systemd) systemd=1; shift ;;
    --expect-env) expect_env=$2; shift 2 ;;
    *) echo "usage: selftest.sh [--systemd] [--expect-env NAME=VALUE]" >&2; exit 2 ;;
  esac
done

failures=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}
has_word() { [[ " $1 " == *" $2 "* ]]; }

root=/sys/fs/cgroup
check "$root is cgroup2" [ "$(stat -f -c %T $root)" = cgroup2fs ]
controllers=$(cat $root/cgroup.controllers)
for c in memory cpu pids; do
  check "controller $c available ($controllers)" has_word "$controllers" "$c"
done

# A cgroup with a memory limit, enforced: a process that outgrows it is OOM-killed.
# Under systemd the root is systemd's, but enabling a controller there is harmless.
has_word "$(cat $root/cgroup.subtree_control)" memory || echo +memory >$root/cgroup.subtree_control
cg=$root/vm-selftest.$$
mkdir "$cg"
trap 'rmdir "$cg" 2>/dev/null || true' EXIT
echo 32M >"$cg/memory.max"
check "memory.max set" [ "$(cat "$cg/memory.max")" = 33554432 ]
[ ! -e "$cg/memory.swap.max" ] || echo 0 >"$cg/memory.swap.max"
# (In a subshell, so that the shell's "Killed" notice goes to /dev/null too.)
(bash -c 'echo $$ >'"$cg"'/cgroup.procs; x=$(head -c 256M /dev/zero | tr "\0" x)' || true) >/dev/null 2>&1
oom_kills=$(awk '$1 == "oom_kill" {print $2}' "$cg/memory.events")
check "memory.max enforced (oom_kill $oom_kills)" [ "$oom_kills" -ge 1 ]

pid1=$(readlink /proc/1/exe || true)
if [ $systemd = 1 ]; then
  check "PID 1 is systemd ($pid1)" [ "${pid1##*/}" = systemd ]
else
  check "PID 1 is not systemd ($pid1)" [ "${pid1##*/}" != systemd ]
fi

check "loopback is up" [ $(( $(cat /sys/class/net/lo/flags) & 1 )) = 1 ]
probe=$PWD/.vm-selftest.$$
check "working directory $PWD is writable" touch "$probe"
rm -f "$probe"
if [ -n "$expect_env" ]; then
  name=${expect_env%%=*}
  check "environment variable $name passed through" [ "${!name-}" = "${expect_env#*=}" ]
fi

if [ $failures -gt 0 ]; then echo "selftest: $failures check(s) failed"; exit 1; fi
echo "selftest: all checks passed"
