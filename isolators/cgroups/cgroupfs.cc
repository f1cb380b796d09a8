#include "isolators/cgroups/cgroupfs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <memory>

namespace mesolite::cgroups::fs {

Result<std::string> readFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return Error::fromErrno("open " + path);
  std::string content;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::fromErrno("read " + path);
    }
    if (n == 0) break;
    content.append(buffer, size_t(n));
  }
  return content;
}

Result<void> writeFile(const std::string& path, std::string_view value) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) return Error::fromErrno("open " + path);
  ssize_t n;
  do {
    n = ::write(fd.get(), value.data(), value.size());
  } while (n < 0 && errno == EINTR);
  if (n < 0) return Error::fromErrno("write '" + std::string(value) + "' to " + path);
  if (size_t(n) != value.size())
    return Error("write '" + std::string(value) + "' to " + path + ": short write");
  return success();
}

bool exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

bool isDirectory(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

Result<std::vector<std::string>> subdirectories(const std::string& path) {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(path.c_str()), &::closedir);
  if (!dir) return Error::fromErrno("opendir " + path);
  std::vector<std::string> names;
  errno = 0;
  while (const dirent* entry = ::readdir(dir.get())) {
    const std::string_view name = entry->d_name;
    if (name == "." || name == "..") continue;
    // cgroupfs reports DT_DIR; fall back to stat for filesystems that do not.
    if (entry->d_type == DT_DIR ||
        (entry->d_type == DT_UNKNOWN && isDirectory(path + "/" + std::string(name))))
      names.emplace_back(name);
  }
  if (errno != 0) return Error::fromErrno("readdir " + path);
  return names;
}

Result<void> makeDirectory(const std::string& path, bool* created) {
  if (::mkdir(path.c_str(), 0755) == 0) {
    *created = true;
    return success();
  }
  if (errno == EEXIST && isDirectory(path)) {
    *created = false;
    return success();
  }
  return Error::fromErrno("mkdir " + path);
}

Result<std::vector<pid_t>> readIdList(const std::string& path) {
  auto content = readFile(path);
  if (!content) return content.error();
  std::vector<pid_t> ids;
  std::string_view rest = *content;
  while (!rest.empty()) {
    const size_t end = rest.find('\n');
    const std::string_view line = trim(rest.substr(0, end));
    rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
    if (line.empty()) continue;
    auto id = parseUint(line);
    if (!id) return id.error().wrap(path);
    ids.push_back(pid_t(*id));
  }
  return ids;
}

std::string_view trim(std::string_view text) {
  const auto isSpace = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && isSpace(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && isSpace(text.back()))
    text.remove_suffix(1);
  return text;
}

Result<uint64_t> parseUint(std::string_view text) {
  text = trim(text);
  uint64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size())
    return Error("not a non-negative integer: '" + std::string(text) + "'");
  return value;
}

std::map<std::string, uint64_t> parseFlatKeyed(std::string_view text) {
  std::map<std::string, uint64_t> values;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    const std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    const size_t space = line.find(' ');
    if (space == std::string_view::npos) continue;
    if (auto value = parseUint(line.substr(space + 1)); value)
      values[std::string(line.substr(0, space))] = *value;
  }
  return values;
}

}  // namespace mesolite::cgroups::fs
