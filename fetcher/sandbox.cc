#include "fetcher/sandbox.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <vector>

namespace mesolite::fetch {

Result<User> lookUpUser(const std::string& name) {
  std::vector<char> buffer(16384);
  passwd entry{};
  passwd* found = nullptr;
  ::getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found);
  if (found == nullptr) return Error("user '" + name + "' does not exist on this agent");
  return User{name, found->pw_uid, found->pw_gid};
}

namespace {

Result<void> makeDirectories(const std::string& path) {
  std::string prefix;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    prefix = path.substr(0, end);
    if (!prefix.empty() && ::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      return Error::fromErrno("mkdir " + prefix);
    }
    start = end + 1;
  }
  return success();
}

Result<Fd> openLog(int sandboxFd, const std::string& sandbox, const char* name,
                   const std::optional<User>& user) {
  Fd fd(::openat(sandboxFd, name, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!fd.valid()) return Error::fromErrno("open " + sandbox + "/" + name);
  struct stat info;
  if (::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode)) {
    return Error(sandbox + "/" + name + " is not a regular file");
  }
  if (user && ::fchown(fd.get(), user->uid, user->gid) != 0) {
    return Error::fromErrno("chown " + sandbox + "/" + name);
  }
  return fd;
}

}  // namespace

Result<void> prepareSandbox(const std::string& sandbox, const std::optional<User>& user) {
  if (auto made = makeDirectories(sandbox); !made) return made;
  Fd dir(::open(sandbox.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dir.valid()) return Error::fromErrno("open the sandbox " + sandbox);
  if (user && ::fchown(dir.get(), user->uid, user->gid) != 0) {
    return Error::fromErrno("chown " + sandbox + " to " + user->name);
  }
  auto out = openLog(dir.get(), sandbox, "stdout", user);
  if (!out) return out.error();
  auto err = openLog(dir.get(), sandbox, "stderr", user);
  if (!err) return err.error();
  if (::dup2(out->get(), 1) < 0 || ::dup2(err->get(), 2) < 0) {
    return Error::fromErrno("dup2 the sandbox's stdout and stderr");
  }
  return success();
}

Result<void> becomeUser(const User& user) {
  int count = 64;
  std::vector<gid_t> groups(static_cast<size_t>(count));
  if (::getgrouplist(user.name.c_str(), user.gid, groups.data(), &count) < 0) {
    groups.resize(size_t(count));
    if (::getgrouplist(user.name.c_str(), user.gid, groups.data(), &count) < 0) count = 0;
  }
  if (::setgroups(size_t(count), groups.data()) != 0) {
    return Error::fromErrno("setgroups for user " + user.name);
  }
  if (::setresgid(user.gid, user.gid, user.gid) != 0) {
    return Error::fromErrno("setgid " + std::to_string(user.gid) + " for user " + user.name);
  }
  if (::setresuid(user.uid, user.uid, user.uid) != 0) {
    return Error::fromErrno("setuid " + std::to_string(user.uid) + " for user " + user.name);
  }
  return success();
}

Result<Fd> createInSandbox(int sandboxFd, const std::string& relative) {
  Fd dir(::fcntl(sandboxFd, F_DUPFD_CLOEXEC, 0));
  if (!dir.valid()) return Error::fromErrno("dup the sandbox's fd");
  size_t start = 0;
  for (size_t slash; (slash = relative.find('/', start)) != std::string::npos; start = slash + 1) {
    const std::string part = relative.substr(start, slash - start);
    if (::mkdirat(dir.get(), part.c_str(), 0755) != 0 && errno != EEXIST) {
      return Error::fromErrno("mkdir " + relative.substr(0, slash));
    }
    // O_NOFOLLOW: a symlink here (from an earlier archive) is ELOOP, never followed.
    Fd next(::openat(dir.get(), part.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next.valid()) return Error::fromErrno("open directory " + relative.substr(0, slash));
    dir = std::move(next);
  }
  const std::string leaf = relative.substr(start);
  Fd file(::openat(dir.get(), leaf.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
                   0644));
  if (!file.valid()) return Error::fromErrno("create " + relative);
  return file;
}

Result<void> copyFd(int from, int to, uint64_t maxBytes, const std::string& what) {
  std::vector<char> buffer(1 << 16);
  uint64_t total = 0;
  for (;;) {
    const ssize_t n = ::read(from, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::fromErrno("read " + what);
    if (n == 0) return success();
    total += uint64_t(n);
    if (maxBytes > 0 && total > maxBytes) {
      return Error(what + " is larger than " + std::to_string(maxBytes) + " bytes");
    }
    for (ssize_t done = 0; done < n;) {
      const ssize_t w = ::write(to, buffer.data() + done, size_t(n - done));
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return Error::fromErrno("write a copy of " + what);
      done += w;
    }
  }
}

}  // namespace mesolite::fetch
