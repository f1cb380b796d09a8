#!/usr/bin/env bash
# The packages as an operator installs them, on a systemd host with pure cgroup v2:
# builds them with packaging/build, then runs packages_in_vm.sh in a VM booted with
# systemd (vm-run --systemd), once for the DEB and once, in a fresh VM, for the RPM.
#
#   packages_test.sh SOURCE_ROOT BUILD_ROOT VM_RUN
set -euo pipefail
source_root=$1 build_root=$2 vm_run=$3
for tool in dpkg-deb rpm rpmbuild fakeroot; do
  command -v "$tool" >/dev/null ||
    { echo "SKIP: $tool is not installed (scripts/install-deps installs it)"; exit 77; }
done
# Inside the work tree: the VM sees the host's root read-only, and the work tree as it
# is. The e2e packages test leaves them in BUILD_ROOT/packages; built again when older
# than the binaries in them.
out=$build_root/packages
fresh() {
  local deb
  deb=$(ls "$out"/mesolite_*.deb 2>/dev/null | head -1)
  [ -n "$deb" ] && ls "$out"/mesolite-*.rpm >/dev/null 2>&1 || return 1
  for binary in agent/mesos-agent launcher/mesos-containerizer master-lite/mesos-master; do
    [ "$deb" -nt "$build_root/$binary" ] || return 1
  done
}
if ! fresh; then
  rm -rf "$out"
  "$source_root/packaging/build" "$out" >"$build_root/packages.log" 2>&1 ||
    { cat "$build_root/packages.log"; echo "FAIL - packaging/build failed"; exit 1; }
fi
status=0
for format in deb rpm; do
  "$vm_run" --workdir "$source_root" --cache "$build_root/vm-cache" --systemd --timeout 600 \
    -- bash "$source_root/tests/vm/packages_in_vm.sh" "$format" "$out" || status=$?
done
exit $status
