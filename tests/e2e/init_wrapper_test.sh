#!/usr/bin/env bash
# packaging/mesos-init-wrapper against a Mesosphere-style /etc in a temporary tree:
# what command it builds (--dry-run), and that the real daemons, started through it,
# stop naming the file that holds an unknown flag or a bad value.
#
#   init_wrapper_test.sh WRAPPER MESOS_AGENT MESOS_MASTER
set -euo pipefail
wrapper=$(realpath "$1")
agent=$(realpath "$2")
master=$(realpath "$3")

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
etc=$root/etc
sbin=$root/sbin
mkdir -p "$etc/default" "$etc/mesos" "$etc/mesos-slave" "$etc/mesos-master" "$sbin"
ln -s "$agent" "$sbin/mesos-agent"
ln -s "$master" "$sbin/mesos-master"
export INIT_WRAPPER_SYSCONFDIR=$etc INIT_WRAPPER_SBINDIR=$sbin

failures=0
check() {  # check DESCRIPTION COMMAND...
  if "${@:2}"; then
    echo "ok   - $1"
  else
    echo "FAIL - $1"
    failures=$((failures + 1))
  fi
}
contains() { [[ $1 == *"$2"* ]] || { echo "    '$2' not in: $1"; return 1; }; }
lacks() { [[ $1 != *"$2"* ]] || { echo "    '$2' unexpectedly in: $1"; return 1; }; }
wrap() { "$wrapper" "$@" 2>"$root/stderr"; }

# ---- The agent's command, from every kind of source ----------------------------------
cat >"$etc/default/mesos" <<'EOF'
LOGS=/var/log/mesos
ULIMIT="-n 4096"
EOF
cat >"$etc/default/mesos-slave" <<'EOF'
MASTER=10.0.0.1:5050
MESOS_CONTAINERIZERS=mesos
EOF
echo zk://zk1:2181/mesos >"$etc/mesos/zk"
echo /var/lib/mesos >"$etc/mesos-slave/work_dir"
touch "$etc/mesos-slave/?no-switch_user"
mkdir "$etc/mesos-slave/attributes" "$etc/mesos-slave/resources"
echo r1 >"$etc/mesos-slave/attributes/rack"
echo eu >"$etc/mesos-slave/attributes/zone"
echo 2 >"$etc/mesos-slave/resources/cpus"
echo 512 >"$etc/mesos-slave/resources/mem"
echo 5052 >"$etc/mesos-slave/port.dpkg-old"

out=$(wrap --dry-run slave)
check "flag files become file:// flags" contains "$out" "--work_dir=file://$etc/mesos-slave/work_dir"
check "?no-switch_user is a bare --no-switch_user" contains "$out" "--no-switch_user"
check "attributes/ joins into --attributes" contains "$out" "--attributes=rack:r1\\;zone:eu"
check "resources/ joins into --resources" contains "$out" "--resources=cpus:2\\;mem:512"
check "MASTER gives --master before /etc/mesos/zk" contains "$out" "--master=10.0.0.1:5050"
check "LOGS gives --log_dir" contains "$out" "--log_dir=/var/log/mesos"
check "the agent is what runs" contains "$out" "$sbin/mesos-agent"
check "package leftovers are not flags" lacks "$out" "port"
check "...and are named as skipped" contains "$(cat "$root/stderr")" "skipping $etc/mesos-slave/port.dpkg-old"
check "agent is slave" test "$(wrap --dry-run agent)" = "$out"

sed -i '/^MASTER=/d' "$etc/default/mesos-slave"
out=$(wrap --dry-run slave)
check "/etc/mesos/zk is the agent's master by default" contains "$out" "--master=file://$etc/mesos/zk"
echo 127.0.0.1:5050 >"$etc/mesos-slave/master"
out=$(wrap --dry-run slave)
check "a master file wins over /etc/mesos/zk" contains "$out" "--master=file://$etc/mesos-slave/master"
check "...which is then not used" lacks "$out" "mesos/zk"

echo /other >"$etc/mesos-slave/work-dir"
if wrap --dry-run slave >/dev/null; then status=0; else status=$?; fi
check "the same flag twice stops it" test "$status" = 1
check "...naming both files" contains "$(cat "$root/stderr")" "$etc/mesos-slave/work"
rm "$etc/mesos-slave/work-dir"

mkdir "$etc/mesos-slave/isolators"
if wrap --dry-run slave >/dev/null; then status=0; else status=$?; fi
check "a folder other than attributes/resources stops it" test "$status" = 1
check "...naming it" contains "$(cat "$root/stderr")" "$etc/mesos-slave/isolators"
rmdir "$etc/mesos-slave/isolators"

# ---- The master ----------------------------------------------------------------------
echo 2 >"$etc/mesos-master/quorum"
out=$(wrap --dry-run master)
check "the master gets /etc/mesos/zk as --zk" contains "$out" "--zk=file://$etc/mesos/zk"
check "the master gets its flag files" contains "$out" "--quorum=file://$etc/mesos-master/quorum"
check "the master is what runs" contains "$out" "$sbin/mesos-master"
check "the agent's files are not the master's" lacks "$out" "work_dir"

# ---- The real daemons name the file that is wrong ------------------------------------
rm -rf "$etc/mesos-slave" "$etc/mesos/zk" "$etc/default/"*
mkdir -p "$etc/mesos-slave"
echo "$root/work" >"$etc/mesos-slave/work_dir"
echo 127.0.0.1:5050 >"$etc/mesos-slave/master"
echo "cgroups/cpu" >"$etc/mesos-slave/isolaton"  # the typo
if wrap slave >/dev/null; then status=0; else status=$?; fi
check "an unknown flag file stops the agent" test "$status" != 0
check "...naming the file" contains "$(cat "$root/stderr")" "$etc/mesos-slave/isolaton"
rm "$etc/mesos-slave/isolaton"

echo 70000 >"$etc/mesos-slave/port"
if wrap slave >/dev/null; then status=0; else status=$?; fi
check "a bad value stops the agent" test "$status" != 0
check "...naming the file" contains "$(cat "$root/stderr")" "--port (from $etc/mesos-slave/port)"
rm "$etc/mesos-slave/port"

echo 5mins >"$etc/mesos-slave/recovery_timeout"
if wrap slave >/dev/null; then status=0; else status=$?; fi
check "a flag this build does not honour stops the agent" test "$status" != 0
check "...naming the file" contains "$(cat "$root/stderr")" "$etc/mesos-slave/recovery_timeout"
rm "$etc/mesos-slave/recovery_timeout"

echo "cgroups/cpu,bogus/isolator" >"$etc/mesos-slave/isolation"
if wrap slave >/dev/null; then status=0; else status=$?; fi
check "an unknown isolator stops the agent" test "$status" != 0
check "...naming the file" contains "$(cat "$root/stderr")" "--isolation (from $etc/mesos-slave/isolation)"

echo "bogus=1" >"$etc/mesos-master/quorum"
if wrap master >/dev/null; then status=0; else status=$?; fi
check "a bad master value stops the master" test "$status" != 0
check "...naming the file" contains "$(cat "$root/stderr")" "$etc/mesos-master/quorum"

if [ "$failures" -ne 0 ]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "all checks passed"
