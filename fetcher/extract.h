// Archive extraction with libarchive, for mesos-fetcher: tar (plain, gzip, bzip2, xz)
// and zip, as Mesos recognises them by name; a bare .gz becomes its uncompressed file.
#pragma once

#include <cstdint>
#include <string>

#include "common/result.h"

namespace mesolite::fetch {

// Whether Mesos would extract a file of this name (.tar, .tgz, .tar.gz, .tbz2, .tar.bz2,
// .txz, .tar.xz, .zip, or a bare .gz).
bool isArchiveName(const std::string& name);

// Extracts `archive` (a path relative to the current directory, which is the sandbox
// open as `sandboxFd`) into the sandbox. Every member must stay inside it: absolute
// paths, ".." components, members reached through a symlink, symlinks pointing outside,
// hard links to outside, device nodes and the sandbox's stdout/stderr are refused, and
// nothing of the archive is extracted past the first refused member. Permissions keep
// their rwx bits only (no setuid/setgid/sticky). `maxBytes` (0: none) caps the sum of
// the members' sizes.
Result<void> extract(const std::string& archive, int sandboxFd, uint64_t maxBytes);

// The lexical checks alone (no I/O): a member's path, normalised ("./a//b" is "a/b", the
// root itself "."); and a symlink's target, resolved from the member's directory.
Result<std::string> checkMemberPath(const std::string& path);
Result<void> checkSymlinkTarget(const std::string& member, const std::string& target);

}  // namespace mesolite::fetch
