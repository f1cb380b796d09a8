#!/usr/bin/env bash
# Inside a VM with systemd as PID 1 and pure cgroup v2: installs the DEB or the RPM
# the way an operator does, and drives each through systemd: flag files in
# /etc/mesos-slave, `systemctl start`, a task with a memory limit in the delegated
# scope, `systemctl restart mesos-slave` under a running task, a typo'd flag file seen
# in the journal, `man mesos-agent`.
#
#   packages_in_vm.sh deb|rpm PACKAGES_DIR   (run by tests/vm/packages_test.sh in vm-run)
set -uo pipefail
format=$1
packages=$(realpath "$2")
deb=$(ls "$packages"/mesolite_*.deb)
rpmfile=$(ls "$packages"/mesolite-*.rpm)
scope=/sys/fs/cgroup/mesos_executors.slice/mesos-containers.scope
scratch=$(mktemp -d /var/tmp/packages-test.XXXXXX)

failures=0
ok() { echo "ok   - $* [${SECONDS}s]"; }
fail() { echo "FAIL - $* [${SECONDS}s]"; failures=$((failures + 1)); }
check() { if "${@:2}"; then ok "$1"; else fail "$1"; fi; }
# waitfor SECONDS COMMAND...: polls COMMAND every 0.2 s until it succeeds.
waitfor() {
  local deadline=$((SECONDS + $1))
  until "${@:2}" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}
agent_serves() { curl -sf http://127.0.0.1:5051/health >/dev/null; }
# LAUNCH_CONTAINER of `true` as container $1, with curl's -u $2 when given: the status.
launch_status() {
  local body='{"type":"LAUNCH_CONTAINER","launch_container":{"container_id":{"value":"'$1'"},'
  body+='"command":{"value":"true"},"resources":[]}}'
  curl -s -o /dev/null -w '%{http_code}' ${2:+-u "$2"} -X POST \
    -H 'Content-Type: application/json' http://127.0.0.1:5051/api/v1 -d "$body"
}
master_has_agent() {
  curl -sf http://127.0.0.1:5050/metrics/snapshot |
    python3 -c 'import json,sys; sys.exit(json.load(sys.stdin)["master/slaves_connected"] != 1)'
}
# A holder sleeps in the scope's leaf (a function: `bash -c` would match itself).
scope_held() { grep -q . "$scope/mesos-scope-holder/cgroup.procs" 2>/dev/null; }
journal_has() { journalctl -u mesos-slave --since="@$since" --no-pager | grep -qF -- "$1"; }

# The pid of the task's `sleep DURATION` (anchored: mesos-execute's own command line
# holds the task's command too).
task_pid() {
  local pids
  pids=$(pgrep -f "^sleep $1\$") || return 1
  echo "${pids%%$'\n'*}"
}
master_sees_attributes() {
  curl -sf http://127.0.0.1:5050/master/slaves | python3 -c '
import json, sys
agent = json.load(sys.stdin)["slaves"][0]
sys.exit(agent["attributes"].get("rack") != "r1" or agent["resources"]["cpus"] != 2)'
}

configure() {
  # One file per flag, as with Mesosphere's packages; the master comes from
  # /etc/default/mesos-slave (MASTER=127.0.0.1:5050).
  echo 127.0.0.1 >/etc/mesos-master/ip
  echo 127.0.0.1 >/etc/mesos-slave/ip
  echo 5051 >/etc/mesos-slave/port
  echo cgroups/cpu,cgroups/mem,cgroups/pids,namespaces/pid >/etc/mesos-slave/isolation
  mkdir -p /etc/mesos-slave/attributes /etc/mesos-slave/resources
  echo r1 >/etc/mesos-slave/attributes/rack
  echo 2 >/etc/mesos-slave/resources/cpus
}

# scenario NAME DURATION: the installed package, driven through systemd.
scenario() {
  # A duration of its own per run tells this task's process apart.
  local name=$1 duration=$2 log="$scratch/$1-execute.log"
  configure
  systemctl start mesos-master mesos-slave
  check "$name: mesos-master is active (Type=notify: ready once it serves)" \
    systemctl is-active --quiet mesos-master
  check "$name: mesos-slave is active" systemctl is-active --quiet mesos-slave
  check "$name: the agent serves on 5051" waitfor 30 agent_serves
  check "$name: the agent registered with the master" waitfor 30 master_has_agent
  check "$name: attributes/ and resources/ flag files reach the agent" master_sees_attributes
  check "$name: the package made a root-only local operator credential" \
    test "$(stat -c %a:%U /etc/mesos/local-operator.credential)" = 600:root
  check "$name: LAUNCH_CONTAINER without credentials is refused (401)" \
    test "$(launch_status "anon-$name")" = 401
  check "$name: ... with a guessed secret too" \
    test "$(launch_status "guess-$name" local-operator:guess)" = 401
  check "$name: ... and served with the local operator credential" \
    test "$(launch_status "local-$name" "$(tr ' ' : </etc/mesos/local-operator.credential)")" = 200

  mesos-execute --master=127.0.0.1:5050 --name="svc-$name" --checkpoint \
    --command="exec sleep $duration" --resources='cpus:0.1;mem:48' >"$log" 2>&1 &
  local execute=$!
  check "$name: the task runs" waitfor 60 grep -q TASK_RUNNING "$log"
  local pid=""
  waitfor 10 task_pid "$duration" >/dev/null && pid=$(task_pid "$duration")
  check "$name: the task's process is found" test -n "$pid"
  local cgroup=""
  [ -n "$pid" ] && cgroup=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
  check "$name: the task's cgroup is in the delegated scope ($cgroup)" \
    test "${cgroup#/mesos_executors.slice/mesos-containers.scope/mesos/}" != "$cgroup"
  check "$name: the scope is delegated" \
    bash -c '[ "$(systemctl show -p Delegate --value mesos-containers.scope)" = yes ]'
  check "$name: memory.max of the task's cgroup is 48 MiB" \
    bash -c "[ \"\$(cat /sys/fs/cgroup$cgroup/memory.max)\" = 50331648 ]"
  check "$name: the task is not in the agent's unit" \
    bash -c "! grep -q $pid /sys/fs/cgroup/system.slice/mesos-slave.service/cgroup.procs"

  systemctl restart mesos-slave
  check "$name: the task survives systemctl restart mesos-slave" kill -0 "$pid"
  check "$name: the restarted agent serves" waitfor 30 agent_serves
  check "$name: the restarted agent re-registered" waitfor 30 master_has_agent
  check "$name: the restarted agent still sees the task" \
    bash -c "curl -sf http://127.0.0.1:5051/state | grep -q svc-$name"
  kill "$pid"
  check "$name: the task's end still reaches its framework" \
    waitfor 60 grep -q TASK_FAILED "$log"
  wait "$execute"

  # The scope's holder killed while no container runs: systemd removes the empty scope;
  # the next launch gets it again.
  local holder
  holder=$(head -1 "$scope/mesos-scope-holder/cgroup.procs" 2>/dev/null)
  check "$name: the scope's holder runs" test -n "$holder"
  [ -n "$holder" ] && kill -9 "$holder"
  check "$name: without its holder the empty scope is gone" waitfor 30 test ! -d "$scope"
  mesos-execute --master=127.0.0.1:5050 --name="again-$name" --command=true \
    --resources='cpus:0.1;mem:32' >"$scratch/$name-again.log" 2>&1
  check "$name: a task after that still runs to TASK_FINISHED" \
    grep -q TASK_FINISHED "$scratch/$name-again.log"
  check "$name: ... in the scope, got again" test -d "$scope"
  check "$name: ... with a new holder" scope_held

  echo 1 >/etc/mesos-slave/isolatoin
  since=$(date +%s)
  systemctl restart mesos-slave 2>/dev/null
  check "$name: a typo'd flag file stops the agent with the file's name in the journal" \
    waitfor 30 journal_has /etc/mesos-slave/isolatoin
  check "$name: ... and the unit is not active" bash -c '! systemctl is-active --quiet mesos-slave'
  rm /etc/mesos-slave/isolatoin

  check "$name: man mesos-agent renders" \
    bash -c 'MANWIDTH=80 man -P cat mesos-agent 2>/dev/null | grep -q -- "--isolation"'
  systemctl stop mesos-slave mesos-master mesos_executors.slice
}

install_deb() {
  echo "# DEB: $(basename "$deb")"
  # man-db's dpkg trigger would re-index every man page of the host, over 9p, in an
  # emulated VM: minutes. `man` finds the pages without the index.
  rm -f /var/lib/man-db/auto-update
  dpkg -i "$deb" >"$scratch/dpkg.log" 2>&1 || { cat "$scratch/dpkg.log"; fail "dpkg -i"; }
  check "deb: dpkg -i installed mesolite" \
    bash -c 'dpkg-query -W -f="\${Status}" mesolite | grep -q "install ok installed"'
  check "deb: the units are known to systemd" \
    bash -c 'systemctl cat mesos-slave.service mesos-agent.service mesos-master.service >/dev/null'
}

install_rpm() {
  echo "# RPM: $(basename "$rpmfile")"
  # Debian's rpm database knows none of the libraries the package depends on.
  rpm -ivh --nodeps "$rpmfile" >"$scratch/rpm.log" 2>&1 || { cat "$scratch/rpm.log"; fail "rpm -ivh"; }
  local listing
  listing=$(rpm -ql mesolite 2>/dev/null)
  for path in /usr/sbin/mesos-agent /usr/sbin/mesos-slave /usr/sbin/mesos-master \
    /usr/libexec/mesos/mesos-containerizer /usr/bin/mesos-init-wrapper /usr/bin/mesos-execute \
    /usr/lib/systemd/system/mesos-slave.service /usr/lib/systemd/system/mesos-master.service \
    /etc/mesos-slave/work_dir /usr/share/man/man8/mesos-agent.8.gz; do
    check "rpm: rpm -ql lists $path" grep -qx -- "$path" <<<"$listing"
  done
  systemctl daemon-reload
}

# One format per VM: each installs on a host that never had the other.
case $format in
  deb) install_deb && scenario deb 601 ;;
  rpm) install_rpm && scenario rpm 602 ;;
esac

rm -rf "$scratch"
echo "# $failures failure(s)"
[ "$failures" -eq 0 ]
