#!/usr/bin/env bash
# packaging/build, checked as an operator's tools see its packages: what `dpkg -c` and
# `rpm -qpl` list, that their dependencies cover every shared library the binaries
# link, and that lintian finds nothing the package does not justify.
#
#   packages_test.sh SOURCE_ROOT BUILD_ROOT
# The packages stay in BUILD_ROOT/packages (packaging/build's default), where the VM
# test (tests/vm/packages_test.sh) installs them rather than building them again.
set -euo pipefail
source_root=$1 build_root=$2
for tool in dpkg-deb rpm rpmbuild lintian fakeroot; do
  command -v "$tool" >/dev/null ||
    { echo "SKIP: $tool is not installed (scripts/install-deps installs it)"; exit 77; }
done

out=$build_root/packages
rm -rf "$out"
mkdir -p "$out"
"$source_root/packaging/build" "$out" >"$out/build.log" 2>&1 ||
  { cat "$out/build.log"; echo "FAIL - packaging/build failed"; exit 1; }
deb=$(ls "$out"/mesolite_*.deb)
rpmfile=$(ls "$out"/mesolite-*.rpm)

failures=0
check() {
  if "${@:2}"; then echo "ok   - $1"; else echo "FAIL - $1"; failures=$((failures + 1)); fi
}
lists() {  # lists LISTING PATH...: every PATH is in LISTING
  local missing=()
  for path in "${@:2}"; do grep -qx -- "$path" <<<"$1" || missing+=("$path"); done
  [ ${#missing[@]} -eq 0 ] || { echo "    missing: ${missing[*]}"; return 1; }
}

shipped=(
  /usr/sbin/mesos-agent /usr/sbin/mesos-slave /usr/sbin/mesos-master
  /usr/libexec/mesos/mesos-containerizer /usr/libexec/mesos/mesos-fetcher
  /usr/bin/mesos /usr/bin/mesos-execute /usr/bin/mesos-ps /usr/bin/mesos-cat /usr/bin/mesos-tail
  /usr/bin/mesos-resolve
  /usr/bin/mesos-init-wrapper
  /etc/default/mesos /etc/default/mesos-master /etc/default/mesos-slave
  /etc/mesos-master/work_dir /etc/mesos-slave/work_dir /etc/mesos-slave/http_credentials
  /usr/share/man/man8/mesos-agent.8.gz /usr/share/man/man8/mesos-slave.8.gz
  /usr/share/man/man8/mesos-master.8.gz /usr/share/man/man8/mesos-init-wrapper.8.gz
  /usr/share/man/man1/mesos-execute.1.gz /usr/share/man/man1/mesos.1.gz
  /usr/share/man/man1/mesos-ps.1.gz /usr/share/man/man1/mesos-cat.1.gz
  /usr/share/man/man1/mesos-tail.1.gz /usr/share/man/man1/mesos-resolve.1.gz
  /usr/share/man/man7/mesolite-isolators.7.gz
  /usr/share/mesos/webui/index.html
)
units=(mesos-master.service mesos-slave.service mesos-agent.service)

# ---- DEB -------------------------------------------------------------------------
deb_list=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|; s|/$||')
check "the DEB ships the binaries, helpers, configuration and man pages" \
  lists "$deb_list" "${shipped[@]}" "${units[@]/#//lib/systemd/system/}"
check "the DEB ships nothing of the build or the tests" \
  bash -c '! grep -E "test|\.a$|/include/|\.so$" <<<"$1"' _ "$deb_list"
deb_long=$(dpkg-deb -c "$deb")
check "mesos-slave is a link to mesos-agent" grep -q "usr/sbin/mesos-slave -> mesos-agent" <<<"$deb_long"
check "mesos-agent.service is a link to mesos-slave.service" \
  grep -q "mesos-agent.service -> mesos-slave.service" <<<"$deb_long"
conffiles=$(dpkg-deb -f "$deb" >/dev/null; dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)
check "the files under /etc are conffiles" lists "$conffiles" /etc/default/mesos-slave \
  /etc/mesos-slave/work_dir /etc/mesos-slave/http_credentials
postinst=$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./postinst)
check "the DEB's post-install makes a root-only local operator credential" \
  bash -c 'grep -q "umask 077" <<<"$1" && grep -q /etc/mesos/local-operator.credential <<<"$1"' \
  _ "$postinst"
check "it provides, replaces and conflicts with mesos" \
  bash -c '[ "$(dpkg-deb -f "$1" Provides)" = mesos ] && [ "$(dpkg-deb -f "$1" Replaces)" = mesos ]' _ "$deb"

# Every library the binaries link directly (ELF NEEDED) must come from a package in
# Depends, or one that package provides (libspdlog1.10 provides libspdlog1.10-fmt9).
depends=$(dpkg-deb -f "$deb" Depends)
unpacked=$out/unpacked
dpkg-deb -x "$deb" "$unpacked"
in_depends() {
  local name names
  names="$1 $(dpkg-query -W -f='${Provides}' "$1" 2>/dev/null | tr ',' '\n' | awk '{print $1}')"
  for name in $names; do
    tr ',' '\n' <<<"$depends" | awk '{print $1}' | grep -qxF -- "$name" && return 0
  done
  return 1
}
missing=()
for binary in usr/sbin/mesos-agent usr/sbin/mesos-master usr/libexec/mesos/mesos-containerizer \
  usr/libexec/mesos/mesos-fetcher \
  usr/bin/mesos-execute usr/bin/mesos-ps usr/bin/mesos-cat usr/bin/mesos-tail usr/bin/mesos \
  usr/bin/mesos-resolve; do
  for soname in $(readelf -d "$unpacked/$binary" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
    # "libfoo.so.1 => /lib/.../libfoo.so.1 (0x...)", or the loader's "/lib64/ld-linux...".
    library=$(ldd "$unpacked/$binary" |
      awk -v s="$soname" '$1 == s && $2 == "=>" {print $3} $1 ~ ("/" s "$") {print $1}')
    [ -n "$library" ] || { missing+=("$soname (not found) for $binary"); continue; }
    # dpkg knows a file by the path its package ships (/lib or /usr/lib on a merged /usr).
    package=$( (dpkg -S "$library" || dpkg -S "$(realpath "$library")") 2>/dev/null |
      head -1 | cut -d: -f1 || true)
    [ -n "$package" ] || { missing+=("$soname (no package owns $library)"); continue; }
    in_depends "$package" || missing+=("$package (for $soname of $binary)")
  done
done
check "Depends covers every library the binaries link: $depends" \
  bash -c '[ $# -eq 0 ] || { printf "    not in Depends: %s\n" "$@"; exit 1; }' _ "${missing[@]}"

lintian_out=$(lintian --no-tag-display-limit "$deb" 2>&1 || true)
check "lintian reports no error and no unjustified warning" \
  bash -c '! grep -E "^[EW]: " <<<"$1" || { grep -E "^[EW]: " <<<"$1" | sed "s/^/    /"; exit 1; }' \
  _ "$lintian_out"

# ---- RPM -------------------------------------------------------------------------
rpm_list=$(rpm -qpl "$rpmfile" 2>/dev/null)
check "the RPM ships the binaries, helpers, configuration and man pages" \
  lists "$rpm_list" "${shipped[@]}" "${units[@]/#//usr/lib/systemd/system/}"
requires=$(rpm -qpR "$rpmfile" 2>/dev/null)
check "the RPM requires the libraries it links (libprotobuf, libseccomp, libsystemd, libcurl, libarchive, libc)" \
  bash -c 'for l in libprotobuf.so libseccomp.so libsystemd.so libcurl.so libarchive.so libc.so; do grep -q "^$l" <<<"$1" || { echo "    no $l in: $1"; exit 1; }; done' \
  _ "$requires"
check "the RPM marks /etc as configuration" \
  bash -c 'rpm -qpc "$1" 2>/dev/null | grep -qx /etc/default/mesos-slave' _ "$rpmfile"

[ "$failures" -eq 0 ] || { echo "$failures check(s) failed"; exit 1; }
echo "all checks passed"
