// mesos-fetcher: fetches a task's CommandInfo.uris into its sandbox, as the agent's
// plan on fd 3 says (fetcher/fetch_plan.h). Progress and errors go to the sandbox's
// stdout/stderr as Mesos's fetcher writes them; on failure one line naming the URI goes
// to fd 4, for the task's status. Runs as root only to open what the task's user may not
// (the root-owned cache, the sandbox's logs), then as that user for everything else.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <vector>

#include "common/fetch_uri.h"
#include "fetcher/download.h"
#include "fetcher/extract.h"
#include "fetcher/fetch_plan.h"
#include "fetcher/log.h"
#include "fetcher/sandbox.h"

namespace mesolite::fetch {
namespace {

constexpr int kPlanFd = 3;
constexpr int kResultFd = 4;
constexpr int kExitFailed = 1;
constexpr int kExitBadPlan = 2;

void report(const std::string& line) {
  const std::string text = line + "\n";
  (void)!::write(kResultFd, text.data(), text.size());
}

Result<std::string> readPlan() {
  std::string text;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(kPlanFd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Error::fromErrno("read the fetch plan on fd 3 (run by mesos-agent only)");
    if (n == 0) break;
    text.append(buffer, size_t(n));
    if (text.size() > kMaxPlanBytes) return Error("fetch plan is larger than 1 MiB");
  }
  ::close(kPlanFd);
  return text;
}

// Fills `fd` from the URI: the web, or a local file read as the current (task's) user.
Result<void> fetchInto(const PlanItem& item, int fd, const FetchPlan& plan,
                       const std::string& destination) {
  auto kind = classifyUri(item.uri);
  if (!kind) return kind.error();
  if (*kind == UriKind::kHttp) {
    FETCH_INFO("Downloading resource from '" + item.uri + "' to '" + destination + "'");
    return download(item.uri, fd,
                    {.stallTimeoutMs = plan.stallTimeoutMs, .maxBytes = plan.maxBytes});
  }
  auto path = localPath(item.uri);
  if (!path) return path.error();
  FETCH_INFO("Copying resource from '" + *path + "' to '" + destination + "'");
  Fd source(::open(path->c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!source.valid()) return Error::fromErrno("Failed to read '" + *path + "'");
  struct stat info;
  if (::fstat(source.get(), &info) != 0 || !S_ISREG(info.st_mode)) {
    return Error("'" + *path + "' is not a regular file");
  }
  return copyFd(source.get(), fd, plan.maxBytes, "'" + *path + "'");
}

// One URI into the sandbox (from the web, a local file, or the cache file opened as root).
Result<std::string> fetchItem(const PlanItem& item, const FetchPlan& plan, int sandboxFd,
                              int cacheFd) {
  auto basename = uriBasename(item.uri);
  if (!basename) return basename.error();
  const std::string name = item.outputFile ? *item.outputFile : *basename;
  const std::string destination = plan.sandbox + "/" + name;
  auto file = createInSandbox(sandboxFd, name);
  if (!file) return file.error();
  if (item.action == Action::kFromCache) {
    FETCH_INFO("Fetching URI '" + item.uri + "' from cache");
    if (auto copied = copyFd(cacheFd, file->get(), 0, "the cache file " + item.cacheFile); !copied)
      return copied.error();
  } else {
    FETCH_INFO("Fetching '" + item.uri + "' directly into the sandbox directory");
    if (auto fetched = fetchInto(item, file->get(), plan, destination); !fetched)
      return fetched.error();
  }
  if (item.executable) {
    if (::fchmod(file->get(), 0755) != 0)
      return Error::fromErrno("Failed to chmod executable '" + destination + "'");
    return destination;
  }
  file->reset();
  if (!item.extract) return destination;
  if (!isArchiveName(name)) {
    FETCH_WARN(
        "Copying instead of extracting resource from URI with 'extract' flag, because it "
        "does not seem to be an archive: " +
        item.uri);
    return destination;
  }
  if (auto extracted = extract(name, sandboxFd, plan.maxBytes); !extracted) {
    return Error("Failed to extract archive '" + destination + "' to '" + plan.sandbox +
                 "': " + extracted.error().message);
  }
  FETCH_INFO("Extracted '" + destination + "' into '" + plan.sandbox + "'");
  return plan.sandbox;
}

// As root: the cache files, created (INTO_CACHE) or opened (FROM_CACHE) for the user.
Result<std::vector<Fd>> openCacheFiles(const FetchPlan& plan) {
  std::vector<Fd> fds;
  for (const PlanItem& item : plan.items) {
    Fd fd;
    if (item.action == Action::kIntoCache) {
      fd = Fd(::open(item.cacheFile.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                     0600));
    } else if (item.action == Action::kFromCache) {
      fd = Fd(::open(item.cacheFile.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    }
    if (item.action != Action::kSandbox && !fd.valid()) {
      return Error::fromErrno("Failed to fetch '" + item.uri + "': open the cache file " +
                              item.cacheFile);
    }
    fds.push_back(std::move(fd));
  }
  return fds;
}

int fail(const std::string& line, int code) {
  FETCH_ERROR(line);
  report(line);
  return code;
}

int run() {
  auto text = readPlan();
  if (!text) return fail(text.error().message, kExitBadPlan);
  auto plan = FetchPlan::parse(*text);
  if (!plan) return fail(plan.error().message, kExitBadPlan);
  std::optional<User> user;
  if (plan->user) {
    auto found = lookUpUser(*plan->user);
    if (!found) return fail(found.error().message, kExitFailed);
    user = *found;
  }
  if (auto ready = prepareSandbox(plan->sandbox, user); !ready) {
    return fail("Failed to prepare the sandbox: " + ready.error().message, kExitFailed);
  }
  FETCH_INFO("Fetcher Info: " + plan->encode());
  auto cacheFds = openCacheFiles(*plan);
  if (!cacheFds) return fail(cacheFds.error().message, kExitFailed);
  if (user && ::geteuid() == 0) {
    if (auto become = becomeUser(*user); !become) {
      return fail(
          "Fetcher could not switch to user '" + user->name + "': " + become.error().message,
          kExitFailed);
    }
  }
  Fd sandbox(::open(plan->sandbox.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!sandbox.valid() || ::fchdir(sandbox.get()) != 0) {
    return fail(Error::fromErrno("Failed to enter the sandbox " + plan->sandbox).message,
                kExitFailed);
  }
  // libcurl's global set-up (OpenSSL's) only when something comes from the web.
  for (const PlanItem& item : plan->items) {
    if (item.action == Action::kFromCache || classifyUri(item.uri).ok() == false ||
        *classifyUri(item.uri) != UriKind::kHttp)
      continue;
    if (auto ready = initDownloads(); !ready) return fail(ready.error().message, kExitFailed);
    break;
  }
  for (size_t i = 0; i < plan->items.size(); ++i) {
    const PlanItem& item = plan->items[i];
    FETCH_INFO("Fetching URI '" + item.uri + "'");
    Result<std::string> fetched = item.cacheFile;
    if (item.action == Action::kIntoCache) {
      auto into = fetchInto(item, (*cacheFds)[i].get(), *plan, item.cacheFile);
      if (!into) fetched = into.error();
    } else {
      fetched = fetchItem(item, *plan, sandbox.get(), (*cacheFds)[i].get());
    }
    if (!fetched) {
      return fail("Failed to fetch '" + item.uri + "': " + fetched.error().message, kExitFailed);
    }
    FETCH_INFO("Fetched '" + item.uri + "' to '" + *fetched + "'");
  }
  FETCH_INFO("Successfully fetched all URIs into '" + plan->sandbox + "'");
  return 0;
}

}  // namespace
}  // namespace mesolite::fetch

int main(int argc, char** argv) {
  if (argc > 1 && (std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0)) {
    std::printf(
        "Usage: mesos-fetcher\n"
        "Fetches a task's URIs into its sandbox. Run by mesos-agent, which writes the plan on\n"
        "fd 3 and reads the error, if any, on fd 4.\n");
    return 0;
  }
  // Dies with the agent: a fetch nobody waits for must not go on.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() == 1) return 1;
  return mesolite::fetch::run();
}
