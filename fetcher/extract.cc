#include "fetcher/extract.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <memory>
#include <vector>

#include "common/fetch_uri.h"

namespace mesolite::fetch {

namespace {

constexpr int kDiskFlags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM |
                           ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                           ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;

struct ReadDeleter {
  void operator()(archive* a) const { archive_read_free(a); }
};
struct WriteDeleter {
  void operator()(archive* a) const { archive_write_free(a); }
};

bool endsWith(const std::string& text, const char* suffix) {
  const std::string tail(suffix);
  return text.size() > tail.size() &&
         text.compare(text.size() - tail.size(), tail.size(), tail) == 0;
}

bool isBareGzip(const std::string& name) {
  return endsWith(name, ".gz") && !endsWith(name, ".tar.gz");
}

std::vector<std::string> components(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    parts.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

// No component of `path`, the last included, may be a symlink on disk: a member is never
// written through one, nor does it replace one.
Result<void> checkOnDisk(int sandboxFd, const std::string& path, const std::string& member) {
  std::string prefix;
  for (const std::string& part : components(path)) {
    prefix += (prefix.empty() ? "" : "/") + part;
    struct stat info;
    if (::fstatat(sandboxFd, prefix.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
      if (errno == ENOENT) return success();  // created by the extraction
      return Error::fromErrno("member '" + member + "': stat " + prefix);
    }
    if (S_ISLNK(info.st_mode)) {
      return Error("member '" + member + "' would be extracted through the symlink '" + prefix +
                   "'");
    }
  }
  return success();
}

Result<void> checkEntry(archive_entry* entry, int sandboxFd, std::string* normalised) {
  const char* rawPath = archive_entry_pathname(entry);
  if (rawPath == nullptr) return Error("a member has no path");
  auto path = checkMemberPath(rawPath);
  if (!path) return path.error();
  if (auto ok = checkOnDisk(sandboxFd, *path, rawPath); !ok) return ok;
  if (const char* link = archive_entry_hardlink(entry)) {
    auto target = checkMemberPath(link);
    if (!target) return target.error().wrap("hard link '" + std::string(rawPath) + "'");
    if (auto ok = checkOnDisk(sandboxFd, *target, rawPath); !ok) return ok;
    archive_entry_set_hardlink(entry, target->c_str());
  } else {
    const mode_t type = archive_entry_filetype(entry);
    if (type == AE_IFLNK) {
      const char* target = archive_entry_symlink(entry);
      if (auto ok = checkSymlinkTarget(*path, target ? target : ""); !ok) return ok;
    } else if (type != AE_IFREG && type != AE_IFDIR) {
      return Error("member '" + std::string(rawPath) +
                   "' is not a file, directory or link (device, FIFO or socket): refused");
    }
  }
  archive_entry_set_pathname(entry, path->c_str());
  // rwx bits only: a fetched file never becomes setuid, whoever extracts it.
  mode_t perm = archive_entry_perm(entry) & 0777;
  if (archive_entry_filetype(entry) == AE_IFDIR) perm |= 0700;
  archive_entry_set_perm(entry, perm);
  *normalised = *path;
  return success();
}

Result<void> copyData(archive* in, archive* out, const std::string& member, uint64_t maxBytes,
                      uint64_t* total) {
  for (;;) {
    const void* block = nullptr;
    size_t size = 0;
    la_int64_t offset = 0;
    const int status = archive_read_data_block(in, &block, &size, &offset);
    if (status == ARCHIVE_EOF) return success();
    if (status < ARCHIVE_WARN) {
      return Error("reading member '" + member + "': " + archive_error_string(in));
    }
    *total += size;
    if (maxBytes > 0 && *total > maxBytes) {
      return Error("the archive unpacks to more than " + std::to_string(maxBytes) + " bytes");
    }
    if (archive_write_data_block(out, block, size, offset) < ARCHIVE_WARN) {
      return Error("writing member '" + member + "': " + archive_error_string(out));
    }
  }
}

}  // namespace

bool isArchiveName(const std::string& name) {
  for (const char* suffix :
       {".tar", ".tgz", ".tar.gz", ".tbz2", ".tar.bz2", ".txz", ".tar.xz", ".zip", ".gz"}) {
    if (endsWith(name, suffix)) return true;
  }
  return false;
}

Result<std::string> checkMemberPath(const std::string& raw) {
  if (raw.empty()) return Error("a member has an empty path");
  if (raw[0] == '/') return Error("member '" + raw + "' has an absolute path: refused");
  std::string path;
  for (const std::string& part : components(raw)) {
    if (part.empty() || part == ".") continue;
    if (part == "..") return Error("member '" + raw + "' climbs out with '..': refused");
    path += (path.empty() ? "" : "/") + part;
  }
  if (path.empty()) return std::string(".");
  if (isSandboxLog(path)) return Error("member '" + raw + "' would replace the sandbox's " + path);
  return path;
}

Result<void> checkSymlinkTarget(const std::string& member, const std::string& target) {
  if (target.empty()) return Error("symlink '" + member + "' has no target");
  if (target[0] == '/') {
    return Error("symlink '" + member + "' points outside the sandbox ('" + target + "')");
  }
  // Resolved from the link's own directory, lexically: it must not climb above the root.
  int depth = int(components(member).size()) - 1;
  for (const std::string& part : components(target)) {
    if (part.empty() || part == ".") continue;
    depth += part == ".." ? -1 : 1;
    if (depth < 0) {
      return Error("symlink '" + member + "' points outside the sandbox ('" + target + "')");
    }
  }
  return success();
}

Result<void> extract(const std::string& archivePath, int sandboxFd, uint64_t maxBytes) {
  std::unique_ptr<archive, ReadDeleter> in(archive_read_new());
  std::unique_ptr<archive, WriteDeleter> out(archive_write_disk_new());
  if (!in || !out) return Error("cannot allocate libarchive handles");
  const bool bare = isBareGzip(archivePath);
  if (bare) {
    archive_read_support_filter_gzip(in.get());
    archive_read_support_format_raw(in.get());
  } else {
    archive_read_support_filter_all(in.get());
    archive_read_support_format_tar(in.get());
    archive_read_support_format_gnutar(in.get());
    archive_read_support_format_zip(in.get());
  }
  archive_write_disk_set_options(out.get(), kDiskFlags);
  if (archive_read_open_filename(in.get(), archivePath.c_str(), 64 * 1024) != ARCHIVE_OK) {
    return Error("cannot open '" + archivePath + "': " + archive_error_string(in.get()));
  }
  uint64_t total = 0;
  for (;;) {
    archive_entry* entry = nullptr;
    const int status = archive_read_next_header(in.get(), &entry);
    if (status == ARCHIVE_EOF) break;
    if (status < ARCHIVE_WARN) {
      return Error("reading '" + archivePath + "': " + archive_error_string(in.get()));
    }
    if (bare) {
      // The raw format names its one member "data": Mesos names it after the archive.
      const std::string name = archivePath.substr(archivePath.rfind('/') + 1);
      archive_entry_set_pathname(entry, name.substr(0, name.size() - 3).c_str());
      archive_entry_set_filetype(entry, AE_IFREG);
      archive_entry_set_perm(entry, 0644);
    }
    std::string path;
    if (auto ok = checkEntry(entry, sandboxFd, &path); !ok) return ok;
    if (path == ".") continue;
    if (archive_write_header(out.get(), entry) < ARCHIVE_WARN) {
      return Error("extracting '" + path + "': " + archive_error_string(out.get()));
    }
    if (archive_entry_size(entry) > 0 || bare) {
      if (auto ok = copyData(in.get(), out.get(), path, maxBytes, &total); !ok) return ok;
    }
    if (archive_write_finish_entry(out.get()) < ARCHIVE_WARN) {
      return Error("extracting '" + path + "': " + archive_error_string(out.get()));
    }
  }
  if (archive_write_close(out.get()) < ARCHIVE_WARN) {
    return Error("extracting '" + archivePath + "': " + archive_error_string(out.get()));
  }
  return success();
}

}  // namespace mesolite::fetch
