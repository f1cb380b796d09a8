#include "common/virtual_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/openat2.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace mesolite::files {
namespace {

std::string joinComponents(const std::vector<std::string>& components, size_t from, size_t to) {
  std::string joined;
  for (size_t i = from; i < to; ++i) {
    if (!joined.empty()) joined += '/';
    joined += components[i];
  }
  return joined;
}

Failure failure(int status, std::string message) {
  return Failure{status, std::move(message)};
}

Failure openFailure(const std::string& virtualPath, int err) {
  switch (err) {
    case ENOENT:
    case ENOTDIR:
      return failure(404, "'" + virtualPath + "' does not exist");
    case EXDEV:
    case ELOOP:
      return failure(400,
                     "'" + virtualPath +
                         "' is inaccessible: it leads outside the directory it is served from");
    default:
      return failure(500, "cannot open '" + virtualPath + "': " + std::strerror(err));
  }
}

// Names of owners as `ls -l` shows them; looked up once per listing each.
class OwnerNames {
 public:
  std::string user(uid_t uid) {
    auto [it, fresh] = users_.try_emplace(uid);
    if (fresh) {
      passwd entry{};
      passwd* found = nullptr;
      char buffer[1024];
      it->second = ::getpwuid_r(uid, &entry, buffer, sizeof buffer, &found) == 0 && found
                       ? found->pw_name
                       : std::to_string(uid);
    }
    return it->second;
  }
  std::string group(gid_t gid) {
    auto [it, fresh] = groups_.try_emplace(gid);
    if (fresh) {
      struct group entry {};
      struct group* found = nullptr;
      char buffer[1024];
      it->second = ::getgrgid_r(gid, &entry, buffer, sizeof buffer, &found) == 0 && found
                       ? found->gr_name
                       : std::to_string(gid);
    }
    return it->second;
  }

 private:
  std::map<uid_t, std::string> users_;
  std::map<gid_t, std::string> groups_;
};

mesos::v1::FileInfo fileInfo(const std::string& path, const struct stat& st, OwnerNames& owners) {
  mesos::v1::FileInfo info;
  info.set_path(path);
  info.set_nlink(int32_t(st.st_nlink));
  info.set_size(uint64_t(st.st_size));
  info.mutable_mtime()->set_nanoseconds(int64_t(st.st_mtime) * 1'000'000'000);
  info.set_mode(st.st_mode);
  info.set_uid(owners.user(st.st_uid));
  info.set_gid(owners.group(st.st_gid));
  return info;
}

}  // namespace

Answer<std::vector<std::string>> splitVirtualPath(const std::string& virtualPath) {
  if (virtualPath.empty()) return failure(400, "expecting 'path=value' in the query");
  if (virtualPath.find('\0') != std::string::npos) {
    return failure(400, "the path holds a NUL character");
  }
  std::vector<std::string> components;
  size_t start = 0;
  while (start <= virtualPath.size()) {
    size_t end = virtualPath.find('/', start);
    if (end == std::string::npos) end = virtualPath.size();
    std::string component = virtualPath.substr(start, end - start);
    if (component == "." || component == "..") {
      return failure(400, "'" + virtualPath + "' has a '" + component +
                              "' component: paths are resolved within their sandbox only");
    }
    if (!component.empty()) components.push_back(std::move(component));
    start = end + 1;
  }
  return components;
}

void VirtualFiles::attach(const std::string& virtualPath, const std::string& realPath) {
  auto split = splitVirtualPath(virtualPath);
  if (auto* components = std::get_if<std::vector<std::string>>(&split)) {
    attached_["/" + joinComponents(*components, 0, components->size())] = realPath;
  }
}

void VirtualFiles::addResolver(std::string pattern, std::string realPattern, Resolver resolver) {
  resolvers_.push_back({std::move(pattern), std::move(realPattern), std::move(resolver)});
}

std::map<std::string, std::string> VirtualFiles::describe() const {
  std::map<std::string, std::string> described = attached_;
  for (const auto& dynamic : resolvers_)
    described[dynamic.pattern] = dynamic.realPattern;
  return described;
}

Answer<UniqueFd> VirtualFiles::openBeneath(const std::string& virtualPath, bool directory) const {
  auto split = splitVirtualPath(virtualPath);
  if (auto* bad = std::get_if<Failure>(&split)) return *bad;
  const auto& components = std::get<std::vector<std::string>>(split);

  std::optional<Location> location;
  for (size_t n = components.size(); !location; --n) {
    auto found = attached_.find("/" + joinComponents(components, 0, n));
    if (found != attached_.end()) {
      location = Location{found->second, joinComponents(components, n, components.size())};
    }
    if (n == 0) break;
  }
  for (size_t i = 0; !location && i < resolvers_.size(); ++i)
    location = resolvers_[i].resolver(components);
  if (!location) return failure(404, "'" + virtualPath + "' is not served here");

  const int openFlags =
      O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | (directory ? O_DIRECTORY : 0);
  UniqueFd root(::open(location->root.c_str(),
                       O_PATH | O_CLOEXEC | (location->followRootSymlink ? 0 : O_NOFOLLOW)));
  if (!root.valid()) return openFailure(virtualPath, errno);
  struct stat rootStat {};
  if (::fstat(root.get(), &rootStat) != 0) return openFailure(virtualPath, errno);
  if (!S_ISDIR(rootStat.st_mode)) {
    // An attached file (a log): nothing may follow it, and it is opened as it is.
    if (!location->rest.empty()) return openFailure(virtualPath, ENOTDIR);
    UniqueFd file(::open(location->root.c_str(), openFlags | O_NOFOLLOW));
    if (!file.valid()) return openFailure(virtualPath, errno);
    return file;
  }
  // Why openat2: RESOLVE_BENEATH has the kernel refuse every step out of the root,
  // including through symlinks planted by the task that owns the directory.
  open_how how{};
  how.flags = uint64_t(openFlags);
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  const std::string rest = location->rest.empty() ? "." : location->rest;
  const long fd = ::syscall(SYS_openat2, root.get(), rest.c_str(), &how, sizeof how);
  if (fd < 0) return openFailure(virtualPath, errno);
  return UniqueFd(int(fd));
}

Answer<std::vector<mesos::v1::FileInfo>> VirtualFiles::list(const std::string& virtualPath) const {
  auto opened = openBeneath(virtualPath, true);
  if (auto* bad = std::get_if<Failure>(&opened)) {
    if (bad->status == 404) {
      // A file where a directory was asked for says so, instead of "does not exist".
      auto file = openBeneath(virtualPath, false);
      if (std::holds_alternative<UniqueFd>(file)) {
        return failure(400, "'" + virtualPath + "' is a file, not a directory");
      }
    }
    return *bad;
  }
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(std::get<UniqueFd>(opened).release()),
                                          ::closedir);
  if (!dir) return failure(500, "cannot list '" + virtualPath + "': " + std::strerror(errno));

  std::vector<std::string> names;
  while (names.size() < kMaxListing) {
    errno = 0;
    const dirent* entry = ::readdir(dir.get());
    if (entry == nullptr) break;
    const std::string name = entry->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  std::sort(names.begin(), names.end());

  std::string prefix = virtualPath;
  while (prefix.size() > 1 && prefix.back() == '/')
    prefix.pop_back();
  if (prefix.empty() || prefix.front() != '/') prefix.insert(prefix.begin(), '/');
  if (prefix != "/") prefix += '/';

  OwnerNames owners;
  std::vector<mesos::v1::FileInfo> listing;
  for (const auto& name : names) {
    struct stat st {};
    // Not followed: a planted symlink shows as a link, not as what it points at.
    if (::fstatat(::dirfd(dir.get()), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
    listing.push_back(fileInfo(prefix + name, st, owners));
  }
  return listing;
}

Answer<OpenFile> VirtualFiles::open(const std::string& virtualPath) const {
  auto opened = openBeneath(virtualPath, false);
  if (auto* bad = std::get_if<Failure>(&opened)) return *bad;
  UniqueFd fd = std::move(std::get<UniqueFd>(opened));
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return openFailure(virtualPath, errno);
  if (S_ISDIR(st.st_mode)) return failure(400, "cannot read '" + virtualPath + "': a directory");
  if (!S_ISREG(st.st_mode)) {
    return failure(400, "cannot read '" + virtualPath + "': not a regular file");
  }
  OpenFile file;
  file.fd = std::move(fd);
  file.size = uint64_t(st.st_size);
  const size_t slash = virtualPath.find_last_of('/');
  file.name = slash == std::string::npos ? virtualPath : virtualPath.substr(slash + 1);
  return file;
}

Answer<Slice> VirtualFiles::read(const std::string& virtualPath, int64_t offset,
                                 std::optional<int64_t> length) const {
  if (offset < -1) return failure(400, "negative offset " + std::to_string(offset));
  if (length && *length < -1) return failure(400, "negative length " + std::to_string(*length));
  auto opened = open(virtualPath);
  if (auto* bad = std::get_if<Failure>(&opened)) return *bad;
  const OpenFile& file = std::get<OpenFile>(opened);

  Slice slice;
  slice.size = file.size;
  if (offset == -1) {
    // The web UI's pager asks this way for the size alone.
    slice.offset = file.size;
    return slice;
  }
  slice.offset = uint64_t(offset);
  if (slice.offset >= file.size) return slice;
  uint64_t wanted = (length && *length >= 0) ? uint64_t(*length) : file.size - slice.offset;
  wanted = std::min(wanted, kMaxReadBytes);
  slice.data.resize(wanted);
  size_t got = 0;
  while (got < wanted) {
    // A local file read of at most 64 KiB: short enough for the event loop.
    const ssize_t n =
        ::pread(file.fd.get(), slice.data.data() + got, wanted - got, off_t(slice.offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return failure(500, "cannot read '" + virtualPath + "': " + std::strerror(errno));
    if (n == 0) break;
    got += size_t(n);
  }
  slice.data.resize(got);
  return slice;
}

}  // namespace mesolite::files
