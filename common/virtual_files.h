// Mesos's /files model: virtual paths ("/frameworks/F/executors/E/runs/latest/stdout",
// "/slave/log") mapped onto real directories and files, browsed and read without ever
// leaving them. Every open below a root goes through openat2(RESOLVE_BENEATH), so
// "..", absolute paths and symlinks a task planted in its sandbox cannot reach outside;
// only regular files are read (a FIFO planted by a task would block the reader).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "common/unique_fd.h"
#include "mesos/v1/mesos.pb.h"

namespace mesolite::files {

// Why a request failed, with the HTTP status it answers (400, 404).
struct Failure {
  int status;
  std::string message;
};

template <typename T>
using Answer = std::variant<T, Failure>;

// Where a virtual path lands: a real directory (or file) it may not leave, and the
// path below it ("" for the root itself).
struct Location {
  std::string root;
  std::string rest;
  bool followRootSymlink = false;  // e.g. runs/latest, a link the agent made itself
};

// Maps the components of a virtual path ("frameworks", "F", ...) onto a Location;
// nullopt when they name nothing this resolver serves.
using Resolver = std::function<std::optional<Location>(const std::vector<std::string>&)>;

struct Slice {
  uint64_t size = 0;    // the whole file's size
  uint64_t offset = 0;  // where `data` starts (the size, for offset=-1)
  std::string data;
};

struct OpenFile {
  UniqueFd fd;
  uint64_t size = 0;
  std::string name;  // the last component, for Content-Disposition
};

// Mesos caps one read at 16 pages.
inline constexpr uint64_t kMaxReadBytes = 16 * 4096;
// A listing stops here: a task can fill its sandbox with files, the daemon's memory
// must not follow.
inline constexpr size_t kMaxListing = 10000;

class VirtualFiles {
 public:
  // A fixed virtual path for a real file or directory (e.g. "/slave/log").
  void attach(const std::string& virtualPath, const std::string& realPath);
  // Consulted, in order, when no attached path matches; `pattern` describes it for
  // /files/debug ("/frameworks/<framework>/…" -> "<work_dir>/slaves/…").
  void addResolver(std::string pattern, std::string realPattern, Resolver resolver);

  // Entries of a directory, sorted by name, at most kMaxListing.
  Answer<std::vector<mesos::v1::FileInfo>> list(const std::string& virtualPath) const;
  // offset -1: only the size. length: nullopt (or -1) reads to the end; both capped at
  // kMaxReadBytes.
  Answer<Slice> read(const std::string& virtualPath, int64_t offset,
                     std::optional<int64_t> length) const;
  Answer<OpenFile> open(const std::string& virtualPath) const;
  // What /files/debug shows: attached paths and the resolvers' patterns.
  std::map<std::string, std::string> describe() const;

 private:
  Answer<UniqueFd> openBeneath(const std::string& virtualPath, bool directory) const;

  std::map<std::string, std::string> attached_;
  struct Dynamic {
    std::string pattern;
    std::string realPattern;
    Resolver resolver;
  };
  std::vector<Dynamic> resolvers_;
};

// Splits "/a//b/" into {"a", "b"}; a "." or ".." component, a NUL or a relative path
// is a Failure (400) naming the path.
Answer<std::vector<std::string>> splitVirtualPath(const std::string& virtualPath);

}  // namespace mesolite::files
