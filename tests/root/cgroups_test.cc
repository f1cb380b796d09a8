// The cgroup backend and the cgroups isolator on this host's real cgroups (v1, v2 or
// hybrid, whichever it has). Needs root; every test works under its own root cgroup
// "mesolite-test-<pid>-<n>", and kills (by pid) and removes whatever it made there,
// whether it passes or fails.
#include "isolators/cgroups/cgroups.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "isolators/cgroups/cgroupfs.h"
#include "isolators/cgroups/device_filter.h"
#include "isolators/cgroups_isolator.h"

namespace mesolite {
namespace {

using namespace std::chrono_literals;
using cgroups::ContainerCgroup;
using cgroups::Hierarchy;
using cgroups::Layout;
using isolation::CgroupsIsolator;
using isolation::ContainerSpec;
using isolation::IsolatorOptions;
using isolation::LaunchPlan;
using isolation::Limitation;
using Clock = std::chrono::steady_clock;
namespace fs = cgroups::fs;

std::string readTrimmed(const std::string& path) {
  auto content = fs::readFile(path);
  return content ? std::string(fs::trim(*content)) : "<" + content.error().message + ">";
}

// Allocates `bytes` and writes every page (through volatile, so that the compiler
// cannot drop the allocation); the memory is never freed.
bool touchMemory(size_t bytes) {
  volatile char* block = static_cast<volatile char*>(std::malloc(bytes));
  if (!block) return false;
  for (size_t i = 0; i < bytes; i += 4096)
    block[i] = char(i >> 12);
  return true;
}

bool processExists(pid_t pid) {
  return ::kill(pid, 0) == 0;
}

// A pipe whose ends close with it.
struct Pipe {
  Pipe() {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) == 0) {
      read.reset(fds[0]);
      write.reset(fds[1]);
    }
  }
  // One byte or value from the other side, within `timeout`.
  template <typename T>
  std::optional<T> receive(std::chrono::milliseconds timeout) {
    pollfd pfd{read.get(), POLLIN, 0};
    if (::poll(&pfd, 1, int(timeout.count())) != 1) return std::nullopt;
    T value;
    if (::read(read.get(), &value, sizeof value) != ssize_t(sizeof value)) return std::nullopt;
    return value;
  }
  template <typename T>
  void send(const T& value) {
    [[maybe_unused]] ssize_t n = ::write(write.get(), &value, sizeof value);
  }
  fs::UniqueFd read, write;
};

// A forked child that runs `body` once the test has put it into its cgroups (go()); it
// is SIGKILLed and reaped when the test ends, however the test ends.
class Child {
 public:
  explicit Child(std::function<int()> body) {
    pid_ = ::fork();
    if (pid_ == 0) {
      char go = 0;
      if (::read(start_.read.get(), &go, 1) != 1) ::_exit(120);
      ::_exit(body());
    }
  }
  ~Child() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const { return pid_; }
  void go() { start_.send('g'); }

  // The wait status, or nullopt if it is still running after `timeout`.
  std::optional<int> wait(std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      int status = 0;
      const pid_t done = ::waitpid(pid_, &status, WNOHANG);
      if (done == pid_) {
        reaped_ = true;
        return status;
      }
      if (done < 0 || Clock::now() >= deadline) return std::nullopt;
      std::this_thread::sleep_for(5ms);
    }
  }

 private:
  Pipe start_;
  pid_t pid_ = -1;
  bool reaped_ = false;
};

// Reaps whatever children are left (orphans of double forks come to us: we are their
// subreaper), waiting up to `timeout` for the killed ones to die.
void reapChildren(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const pid_t pid = ::waitpid(-1, nullptr, WNOHANG);
    if (pid > 0) continue;
    if (pid < 0 || Clock::now() >= deadline) return;  // ECHILD: nothing left
    std::this_thread::sleep_for(5ms);
  }
}

class CgroupsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: creates cgroups";
    auto detected = cgroups::detect();
    ASSERT_TRUE(detected.ok()) << detected.error().message;
    hierarchy_ = *detected;
    static int counter = 0;
    root_ = "mesolite-test-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
    // Daemons that double-fork away from our children re-parent to us, and we reap them.
    ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  }

  void TearDown() override {
    if (root_.empty()) return;
    for (const std::string& dir : rootDirectories())
      killTree(dir);
    for (const std::string& dir : rootDirectories())
      removeTree(dir);
    reapChildren(2s);
    for (const std::string& dir : rootDirectories())
      EXPECT_FALSE(fs::exists(dir)) << "test cgroup left behind: " << dir;
  }

  // The test root in every hierarchy of this host.
  std::vector<std::string> rootDirectories() const {
    std::set<std::string> dirs;
    for (const auto& [controller, mount] : hierarchy_.v1Mounts)
      dirs.insert(mount + "/" + root_);
    if (hierarchy_.v2Mount) dirs.insert(*hierarchy_.v2Mount + "/" + root_);
    return {dirs.begin(), dirs.end()};
  }

  // Only processes in our own test cgroups, i.e. started by this test.
  static void killTree(const std::string& dir) {
    if (!fs::isDirectory(dir)) return;
    if (fs::exists(dir + "/freezer.state")) (void)fs::writeFile(dir + "/freezer.state", "THAWED");
    if (fs::exists(dir + "/cgroup.freeze")) (void)fs::writeFile(dir + "/cgroup.freeze", "0");
    if (auto pids = fs::readIdList(dir + "/cgroup.procs"); pids)
      for (pid_t pid : *pids)
        ::kill(pid, SIGKILL);
    if (auto children = fs::subdirectories(dir); children)
      for (const std::string& child : *children)
        killTree(dir + "/" + child);
  }

  static void removeTree(const std::string& dir) {
    if (!fs::isDirectory(dir)) return;
    if (auto children = fs::subdirectories(dir); children)
      for (const std::string& child : *children)
        removeTree(dir + "/" + child);
    const auto deadline = Clock::now() + 3s;
    while (::rmdir(dir.c_str()) != 0 && errno == EBUSY && Clock::now() < deadline) {
      killTree(dir);
      reapChildren(10ms);
    }
  }

  bool has(const std::string& controller) const {
    return hierarchy_.controllers().contains(controller);
  }

  // Path of a container's cgroup directory for `controller`.
  std::string dirOf(const std::string& controller, const std::string& id) const {
    if (hierarchy_.onV2(controller)) return *hierarchy_.v2Mount + "/" + root_ + "/" + id;
    return hierarchy_.v1Mounts.at(controller) + "/" + root_ + "/" + id;
  }

  IsolatorOptions options() const {
    IsolatorOptions options;
    options.cgroupsRoot = root_;
    return options;
  }

  static ContainerSpec spec(const std::string& id, const std::string& resources) {
    ContainerSpec spec;
    spec.id = id;
    auto parsed = Resources::parse(resources);
    EXPECT_TRUE(parsed.ok()) << parsed.error().message;
    if (parsed) spec.resources = *parsed;
    return spec;
  }

  Hierarchy hierarchy_;
  std::string root_;
};

#define SKIP_WITHOUT(controller)                                                \
  if (!has(controller))                                                         \
  GTEST_SKIP() << "the " << controller << " controller is not available here (" \
               << cgroups::layoutName(hierarchy_.layout) << " layout)"

TEST_F(CgroupsTest, DetectMatchesThisHost) {
  switch (hierarchy_.layout) {
    case Layout::kHybrid:
      // The development and CI machines (notes/this-machine.md).
      ASSERT_TRUE(hierarchy_.v2Mount.has_value());
      EXPECT_EQ(*hierarchy_.v2Mount, "/sys/fs/cgroup/unified");
      for (const char* controller :
           {"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids"}) {
        ASSERT_TRUE(hierarchy_.v1Mounts.contains(controller)) << controller;
        EXPECT_EQ(hierarchy_.v1Mounts.at(controller).rfind("/sys/fs/cgroup/", 0), 0u)
            << hierarchy_.v1Mounts.at(controller);
        EXPECT_FALSE(hierarchy_.onV2(controller)) << controller;
      }
      EXPECT_FALSE(hierarchy_.v1Mounts.contains("systemd")) << "name=systemd is no controller";
      if (hierarchy_.v2Controllers.contains("hugetlb")) {
        EXPECT_TRUE(hierarchy_.onV2("hugetlb"));
      }
      break;
    case Layout::kV2:
      // The VM (tests/vm): pure cgroup2 with every controller.
      EXPECT_EQ(hierarchy_.v2Mount.value_or(""), "/sys/fs/cgroup");
      EXPECT_TRUE(hierarchy_.v1Mounts.empty());
      for (const char* controller : {"cpu", "memory", "pids"}) {
        EXPECT_TRUE(hierarchy_.v2Controllers.contains(controller)) << controller;
        EXPECT_TRUE(hierarchy_.onV2(controller)) << controller;
      }
      break;
    case Layout::kV1:
      EXPECT_FALSE(hierarchy_.v2Mount.has_value());
      EXPECT_TRUE(hierarchy_.v1Mounts.contains("memory"));
      break;
  }
  std::cout << "layout " << cgroups::layoutName(hierarchy_.layout) << "; controllers:";
  for (const std::string& controller : hierarchy_.controllers())
    std::cout << " " << controller;
  std::cout << "\n";
}

TEST_F(CgroupsTest, DetectRejectsWhatIsNoCgroupHierarchy) {
  auto missing = cgroups::detect("/nonexistent-mesolite");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("/nonexistent-mesolite"), std::string::npos);
  auto proc = cgroups::detect("/proc");
  ASSERT_FALSE(proc.ok());
  EXPECT_NE(proc.error().message.find("neither cgroup2 nor a tmpfs"), std::string::npos)
      << proc.error().message;
}

TEST_F(CgroupsTest, SubsystemsAvailableHereAndClearErrorsOtherwise) {
  const std::set<std::string> all = CgroupsIsolator::allSubsystems(hierarchy_);
  for (const char* subsystem : {"cpu", "mem", "pids"})
    EXPECT_TRUE(all.contains(subsystem));
  EXPECT_TRUE(CgroupsIsolator::checkSubsystem(hierarchy_, "mem").ok());
  EXPECT_TRUE(CgroupsIsolator::checkSubsystem(hierarchy_, "io").ok() ==
              CgroupsIsolator::checkSubsystem(hierarchy_, "blkio").ok());

  auto unknown = CgroupsIsolator::checkSubsystem(hierarchy_, "bogus");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().message.find("unknown isolator 'cgroups/bogus'"), std::string::npos);
  if (!hierarchy_.v1Mounts.contains("net_cls")) {
    auto netCls = CgroupsIsolator::checkSubsystem(hierarchy_, "net_cls");
    ASSERT_FALSE(netCls.ok());
    EXPECT_NE(netCls.error().message.find("net_cls"), std::string::npos);
    EXPECT_FALSE(all.contains("net_cls"));
    boost::asio::io_context io;
    auto isolator = CgroupsIsolator::create(io, hierarchy_, options(), {"mem", "net_cls"});
    EXPECT_FALSE(isolator.ok());
  }
}

TEST_F(CgroupsTest, PrepareWritesTheLimitsAndCleanupRemovesEverything) {
  SKIP_WITHOUT("cpu");
  SKIP_WITHOUT("memory");
  SKIP_WITHOUT("pids");
  boost::asio::io_context io;
  IsolatorOptions opts = options();
  opts.cgroupsEnableCfs = true;
  CgroupsIsolator isolator(io, hierarchy_, opts, {"cpu", "mem", "pids"});

  LaunchPlan plan;
  auto prepared = isolator.prepare(spec("limits", "cpus:0.5;mem:64"), &plan);
  ASSERT_TRUE(prepared.ok()) << prepared.error().message;

  if (hierarchy_.onV2("memory")) {
    EXPECT_EQ(readTrimmed(dirOf("memory", "limits") + "/memory.max"), "67108864");
    EXPECT_EQ(readTrimmed(dirOf("memory", "limits") + "/memory.oom.group"), "1");
    EXPECT_EQ(plan.oomCounterFile, dirOf("memory", "limits") + "/memory.events");
  } else {
    EXPECT_EQ(readTrimmed(dirOf("memory", "limits") + "/memory.limit_in_bytes"), "67108864");
    EXPECT_EQ(readTrimmed(dirOf("memory", "limits") + "/memory.soft_limit_in_bytes"), "67108864");
    EXPECT_EQ(plan.oomCounterFile, dirOf("memory", "limits") + "/memory.oom_control");
  }
  if (hierarchy_.onV2("cpu")) {
    EXPECT_EQ(readTrimmed(dirOf("cpu", "limits") + "/cpu.weight"), "20");  // shares 512
    EXPECT_EQ(readTrimmed(dirOf("cpu", "limits") + "/cpu.max"), "50000 100000");
  } else {
    EXPECT_EQ(readTrimmed(dirOf("cpu", "limits") + "/cpu.shares"), "512");
    EXPECT_EQ(readTrimmed(dirOf("cpu", "limits") + "/cpu.cfs_period_us"), "100000");
    EXPECT_EQ(readTrimmed(dirOf("cpu", "limits") + "/cpu.cfs_quota_us"), "50000");
  }
  EXPECT_EQ(readTrimmed(dirOf("pids", "limits") + "/pids.max"), "4096");

  // The plan tells the launcher where the task goes.
  if (hierarchy_.layout == Layout::kV2) {
    EXPECT_EQ(plan.cgroupV2Path, *hierarchy_.v2Mount + "/" + root_ + "/limits");
    EXPECT_TRUE(plan.cgroupV1ProcsFiles.empty());
  } else {
    EXPECT_FALSE(plan.cgroupV1ProcsFiles.empty());
    for (const std::string& procs : plan.cgroupV1ProcsFiles)
      EXPECT_TRUE(fs::exists(procs));
  }

  // update(): a bigger allocation raises the limits; a smaller one leaves the hard
  // memory limit alone (as Mesos does) but lowers cpu.
  auto bigger = Resources::parse("cpus:2;mem:128;pids:100");
  ASSERT_TRUE(bigger.ok());
  ASSERT_TRUE(isolator.update("limits", *bigger).ok());
  const std::string memoryFile =
      hierarchy_.onV2("memory") ? "/memory.max" : "/memory.limit_in_bytes";
  EXPECT_EQ(readTrimmed(dirOf("memory", "limits") + memoryFile), "134217728");
  EXPECT_EQ(readTrimmed(dirOf("pids", "limits") + "/pids.max"), "100");
  if (!hierarchy_.onV2("cpu")) {
    EXPECT_EQ(readTrimmed(dirOf("cpu", "limits") + "/cpu.shares"), "2048");
  }
  auto smaller = Resources::parse("cpus:1;mem:64");
  ASSERT_TRUE(smaller.ok());
  ASSERT_TRUE(isolator.update("limits", *smaller).ok());
  EXPECT_EQ(readTrimmed(dirOf("memory", "limits") + memoryFile), "134217728");
  if (!hierarchy_.onV2("cpu")) {
    EXPECT_EQ(readTrimmed(dirOf("cpu", "limits") + "/cpu.shares"), "1024");
  }

  std::vector<std::string> dirs;
  for (const char* controller : {"cpu", "memory", "pids"})
    dirs.push_back(dirOf(controller, "limits"));
  if (plan.cgroupV2Path) dirs.push_back(*plan.cgroupV2Path);
  for (const std::string& dir : dirs)
    EXPECT_TRUE(fs::isDirectory(dir)) << dir;

  ASSERT_TRUE(isolator.cleanup("limits").ok());
  for (const std::string& dir : dirs)
    EXPECT_FALSE(fs::exists(dir)) << dir;
  EXPECT_FALSE(isolator.usage("limits", nullptr).ok()) << "forgotten after cleanup";
  EXPECT_TRUE(isolator.cleanup("limits").ok()) << "cleanup of an unknown container is a no-op";
}

TEST_F(CgroupsTest, CreateLeavesNothingBehindOnFailure) {
  SKIP_WITHOUT("memory");
  auto bad = ContainerCgroup::create(hierarchy_, root_, "bad", {"memory", "no_such_controller"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("no_such_controller"), std::string::npos)
      << bad.error().message;
  for (const std::string& dir : rootDirectories())
    EXPECT_FALSE(fs::exists(dir)) << dir;

  auto invalid = ContainerCgroup::create(hierarchy_, root_, "../escape", {"memory"});
  EXPECT_FALSE(invalid.ok());
  auto dotdot = ContainerCgroup::create(hierarchy_, root_ + "/..", "x", {"memory"});
  EXPECT_FALSE(dotdot.ok());

  // An existing cgroup with the same id is not clobbered, nor removed.
  auto first = ContainerCgroup::create(hierarchy_, root_, "same", {"memory"});
  ASSERT_TRUE(first.ok()) << first.error().message;
  auto second = ContainerCgroup::create(hierarchy_, root_, "same", {"memory"});
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message.find("already exists"), std::string::npos)
      << second.error().message;
  EXPECT_TRUE(fs::isDirectory(dirOf("memory", "same")));
  ASSERT_TRUE(first->destroy().ok());
  EXPECT_FALSE(fs::exists(dirOf("memory", "same")));

  // open() after destroy: gone.
  EXPECT_FALSE(ContainerCgroup::open(hierarchy_, root_, "same", {"memory"}).ok());
}

TEST_F(CgroupsTest, OomKillIsCountedAndReported) {
  SKIP_WITHOUT("memory");
  boost::asio::io_context io;
  CgroupsIsolator isolator(io, hierarchy_, options(), {"mem"});
  LaunchPlan plan;
  ASSERT_TRUE(isolator.prepare(spec("oom", "mem:64"), &plan).ok());

  std::optional<Limitation> limitation;
  isolator.watch("oom", [&](const Limitation& l) { limitation = l; });

  Child hog([] {
    // Allocate and touch memory without bound (but stop at 2 GiB in case no limit holds).
    for (int i = 0; i < 2048; ++i)
      if (!touchMemory(1 << 20)) return 2;
    return 3;
  });
  auto opened = ContainerCgroup::open(hierarchy_, root_, "oom", {"memory"});
  ASSERT_TRUE(opened.ok()) << opened.error().message;
  ASSERT_TRUE(isolator.isolate("oom", hog.pid()).ok());
  hog.go();

  const auto deadline = Clock::now() + 20s;
  while (!limitation && Clock::now() < deadline)
    io.run_for(50ms);
  const std::optional<int> status = hog.wait(10s);
  ASSERT_TRUE(status.has_value()) << "the memory hog was not killed";
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL) << "status " << *status;
  auto kills = opened->oomKills();
  ASSERT_TRUE(kills.ok()) << kills.error().message;
  if (hierarchy_.onV2("memory")) {
    // With memory.oom.group the kernel counts the victim once as the victim and once as
    // a member of the group it kills: one process, oom_kill 2, oom_group_kill 1.
    auto events = opened->readFlatKeyed("memory", "memory.events");
    ASSERT_TRUE(events.ok());
    EXPECT_GE(*kills, 1u);
    if (events->contains("oom_group_kill")) {
      EXPECT_EQ(events->at("oom_group_kill"), 1u);
    }
    std::cout << "memory.events: " << readTrimmed(opened->file("memory", "memory.events")) << "\n";
  } else {
    EXPECT_EQ(*kills, 1u);
  }

  ASSERT_TRUE(limitation.has_value()) << "the watch did not fire";
  EXPECT_EQ(limitation->reason, mesos::v1::TaskStatus::REASON_CONTAINER_LIMITATION_MEMORY);
  EXPECT_EQ(limitation->message.rfind("Memory limit exceeded: Requested: 64MB Maximum Used: ", 0),
            0u)
      << limitation->message;
  EXPECT_EQ(limitation->resources.mem(), 64.0);
  std::cout << limitation->message << "\n";
  ASSERT_TRUE(isolator.cleanup("oom").ok());
}

TEST_F(CgroupsTest, ForkBombIsContainedThenKilled) {
  SKIP_WITHOUT("pids");
  auto cgroup = ContainerCgroup::create(hierarchy_, root_, "bomb", {"pids"});
  ASSERT_TRUE(cgroup.ok()) << cgroup.error().message;
  ASSERT_TRUE(cgroup->write("pids", "pids.max", "64").ok());

  Pipe report;
  Child bomb([&]() -> int {
    // Every process forks until the kernel says no, then reports EAGAIN and waits.
    for (;;) {
      const pid_t pid = ::fork();
      if (pid < 0) {
        const char code = errno == EAGAIN ? 'A' : 'E';
        report.send(code);
        for (;;)
          ::pause();
      }
    }
  });
  ASSERT_TRUE(cgroup->attach(bomb.pid()).ok());
  bomb.go();
  const std::optional<char> code = report.receive<char>(10000ms);
  ASSERT_TRUE(code.has_value()) << "no fork failed inside the cgroup";
  EXPECT_EQ(*code, 'A') << "fork failed with something else than EAGAIN";

  auto current = fs::parseUint(readTrimmed(dirOf("pids", "bomb") + "/pids.current"));
  ASSERT_TRUE(current.ok());
  EXPECT_LE(*current, 64u);
  // The test itself still forks fine.
  Child outside([] { return 0; });
  outside.go();
  auto outsideStatus = outside.wait(5s);
  ASSERT_TRUE(outsideStatus.has_value());
  EXPECT_TRUE(WIFEXITED(*outsideStatus) && WEXITSTATUS(*outsideStatus) == 0);

  const auto start = Clock::now();
  auto killed = cgroup->kill();
  const auto took = Clock::now() - start;
  ASSERT_TRUE(killed.ok()) << killed.error().message;
  auto left = cgroup->pids();
  ASSERT_TRUE(left.ok());
  EXPECT_TRUE(left->empty());
  std::cout << "kill() of a " << *current << "-process fork bomb took "
            << std::chrono::duration<double, std::milli>(took).count() << " ms\n";
  auto status = bomb.wait(5s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL);
  ASSERT_TRUE(cgroup->destroy().ok());
  EXPECT_FALSE(fs::exists(dirOf("pids", "bomb")));
}

TEST_F(CgroupsTest, KillEndsADoubleForkedDaemon) {
  std::set<std::string> controllers;
  if (has("pids")) controllers.insert("pids");
  if (has("memory")) controllers.insert("memory");
  auto cgroup = ContainerCgroup::create(hierarchy_, root_, "daemon", controllers);
  ASSERT_TRUE(cgroup.ok()) << cgroup.error().message;

  Pipe report;
  Child parent([&]() -> int {
    // The classic daemon: new session, fork, the middle process exits, the daemon
    // lives on with no parent in the container.
    if (::setsid() < 0) return 1;
    const pid_t middle = ::fork();
    if (middle != 0) return middle > 0 ? 0 : 2;
    const pid_t daemon = ::fork();
    if (daemon != 0) ::_exit(daemon > 0 ? 0 : 3);
    const pid_t self = ::getpid();
    report.send(self);
    for (;;)
      ::pause();
  });
  ASSERT_TRUE(cgroup->attach(parent.pid()).ok());
  parent.go();
  const std::optional<pid_t> daemon = report.receive<pid_t>(5000ms);
  ASSERT_TRUE(daemon.has_value());
  auto parentStatus = parent.wait(5s);
  ASSERT_TRUE(parentStatus.has_value());
  EXPECT_TRUE(WIFEXITED(*parentStatus) && WEXITSTATUS(*parentStatus) == 0);
  ASSERT_TRUE(processExists(*daemon));
  // The middle process may still be on its way out when the daemon reports.
  auto pids = cgroup->pids();
  for (int i = 0; i < 100 && pids.ok() && *pids != std::vector<pid_t>{*daemon}; ++i) {
    std::this_thread::sleep_for(10ms);
    pids = cgroup->pids();
  }
  ASSERT_TRUE(pids.ok());
  EXPECT_EQ(*pids, std::vector<pid_t>{*daemon});

  ASSERT_TRUE(cgroup->kill().ok());
  // The daemon re-parented to us (subreaper): its wait status shows how it died.
  int status = 0;
  ASSERT_EQ(::waitpid(*daemon, &status, 0), *daemon);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
  ASSERT_TRUE(cgroup->destroy().ok());
  for (const std::string& dir : rootDirectories())
    if (fs::isDirectory(dir)) {
      EXPECT_FALSE(fs::exists(dir + "/daemon")) << dir;
    }
}

TEST_F(CgroupsTest, DestroyRemovesNestedCgroupsAndTheirProcesses) {
  SKIP_WITHOUT("memory");
  auto cgroup = ContainerCgroup::create(hierarchy_, root_, "outer", {"memory"});
  ASSERT_TRUE(cgroup.ok()) << cgroup.error().message;
  // A nested container's cgroups, one level down in every hierarchy, with a task.
  std::vector<std::string> nested;
  for (const std::string& procs : cgroup->v1ProcsFiles())
    nested.push_back(procs.substr(0, procs.rfind('/')) + "/inner");
  if (cgroup->v2Path()) nested.push_back(*cgroup->v2Path() + "/inner");
  for (const std::string& dir : nested)
    ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0) << dir;
  Child task([]() -> int {
    for (;;)
      ::pause();
  });
  for (const std::string& dir : nested)
    ASSERT_TRUE(fs::writeFile(dir + "/cgroup.procs", std::to_string(task.pid())).ok()) << dir;
  task.go();
  auto pids = cgroup->pids();
  ASSERT_TRUE(pids.ok());
  EXPECT_EQ(*pids, std::vector<pid_t>{task.pid()}) << "pids() includes nested cgroups";

  auto destroyed = cgroup->destroy();
  ASSERT_TRUE(destroyed.ok()) << destroyed.error().message;
  auto status = task.wait(5s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL);
  for (const std::string& dir : nested)
    EXPECT_FALSE(fs::exists(dir)) << dir;
  EXPECT_FALSE(fs::exists(dirOf("memory", "outer")));
}

TEST_F(CgroupsTest, LimitSwapCapsSwapToo) {
  SKIP_WITHOUT("memory");
  boost::asio::io_context io;
  IsolatorOptions opts = options();
  opts.cgroupsLimitSwap = true;
  CgroupsIsolator isolator(io, hierarchy_, opts, {"mem"});
  const std::string swapFile =
      hierarchy_.onV2("memory") ? "/memory.swap.max" : "/memory.memsw.limit_in_bytes";
  LaunchPlan plan;
  auto prepared = isolator.prepare(spec("swap", "mem:64"), &plan);
  if (!prepared.ok() &&
      prepared.error().message.find("--cgroups_limit_swap") != std::string::npos) {
    // No swap accounting in this kernel: the error says so, and nothing stays behind.
    EXPECT_FALSE(fs::exists(dirOf("memory", "swap")));
    GTEST_SKIP() << "no swap accounting here: " << prepared.error().message;
  }
  ASSERT_TRUE(prepared.ok()) << prepared.error().message;
  EXPECT_EQ(readTrimmed(dirOf("memory", "swap") + swapFile),
            hierarchy_.onV2("memory") ? "0" : "67108864");
  // Raising the limit raises memory + swap first (the kernel refuses the other order).
  auto bigger = Resources::parse("mem:256");
  ASSERT_TRUE(bigger.ok());
  auto updated = isolator.update("swap", *bigger);
  ASSERT_TRUE(updated.ok()) << updated.error().message;
  if (!hierarchy_.onV2("memory")) {
    EXPECT_EQ(readTrimmed(dirOf("memory", "swap") + swapFile), "268435456");
    EXPECT_EQ(readTrimmed(dirOf("memory", "swap") + "/memory.limit_in_bytes"), "268435456");
  }
  ASSERT_TRUE(isolator.cleanup("swap").ok());
}

TEST_F(CgroupsTest, UsageReportsCpuAndMemory) {
  SKIP_WITHOUT("cpu");
  SKIP_WITHOUT("memory");
  boost::asio::io_context io;
  std::set<std::string> subsystems = {"cpu", "mem", "pids"};
  const bool withBlkio = CgroupsIsolator::checkSubsystem(hierarchy_, "blkio").ok();
  if (withBlkio) subsystems.insert("blkio");  // v1 blkio or v2 io, whichever is here
  CgroupsIsolator isolator(io, hierarchy_, options(), subsystems);
  LaunchPlan plan;
  auto prepared = isolator.prepare(spec("busy", "cpus:1;mem:128"), &plan);
  ASSERT_TRUE(prepared.ok()) << prepared.error().message;

  Pipe ready;
  Child busy([&]() -> int {
    constexpr size_t kBytes = 24 << 20;
    if (!touchMemory(kBytes)) return 2;
    // Burn about 300 ms of cpu.
    const auto until = Clock::now() + 300ms;
    volatile uint64_t spin = 0;
    while (Clock::now() < until)
      spin = spin + 1;
    ready.send('r');
    for (;;)
      ::pause();
  });
  ASSERT_TRUE(isolator.isolate("busy", busy.pid()).ok());
  busy.go();
  ASSERT_TRUE(ready.receive<char>(10000ms).has_value());

  mesos::v1::ResourceStatistics statistics;
  auto measured = isolator.usage("busy", &statistics);
  ASSERT_TRUE(measured.ok()) << measured.error().message;
  EXPECT_GT(statistics.timestamp(), 1.6e9);
  EXPECT_EQ(statistics.cpus_limit(), 1.0);
  EXPECT_GT(statistics.cpus_user_time_secs() + statistics.cpus_system_time_secs(), 0.1);
  EXPECT_EQ(statistics.mem_limit_bytes(), 128u << 20);
  EXPECT_GE(statistics.mem_total_bytes(), 24u << 20);
  EXPECT_GE(statistics.mem_rss_bytes(), 20u << 20);
  EXPECT_EQ(statistics.processes(), 1u);
  EXPECT_EQ(statistics.threads(), 1u);
  std::cout << statistics.ShortDebugString() << "\n";

  auto killed = isolator.kill("busy");
  ASSERT_TRUE(killed.ok()) << killed.error().message;
  EXPECT_TRUE(*killed);
  auto status = busy.wait(5s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL);
  ASSERT_TRUE(isolator.cleanup("busy").ok());
}

TEST_F(CgroupsTest, CpusetCgroupTakesATask) {
  SKIP_WITHOUT("cpuset");
  // A parent made by someone else, still empty: create() must fill it too on v1.
  if (!hierarchy_.onV2("cpuset")) {
    ASSERT_EQ(::mkdir((hierarchy_.v1Mounts.at("cpuset") + "/" + root_).c_str(), 0755), 0);
  }
  auto cgroup = ContainerCgroup::create(hierarchy_, root_, "pinned", {"cpuset"});
  ASSERT_TRUE(cgroup.ok()) << cgroup.error().message;
  if (!hierarchy_.onV2("cpuset")) {
    const std::string mount = hierarchy_.v1Mounts.at("cpuset");
    EXPECT_EQ(readTrimmed(dirOf("cpuset", "pinned") + "/cpuset.cpus"),
              readTrimmed(mount + "/cpuset.cpus"));
    EXPECT_EQ(readTrimmed(dirOf("cpuset", "pinned") + "/cpuset.mems"),
              readTrimmed(mount + "/cpuset.mems"));
  }
  Child task([] { return 0; });
  auto attached = cgroup->attach(task.pid());
  ASSERT_TRUE(attached.ok()) << attached.error().message;
  auto pids = cgroup->pids();
  ASSERT_TRUE(pids.ok());
  EXPECT_EQ(*pids, std::vector<pid_t>{task.pid()});
  task.go();
  ASSERT_TRUE(task.wait(5s).has_value());
  ASSERT_TRUE(cgroup->destroy().ok());
}

TEST_F(CgroupsTest, RecoverAdoptsKnownContainersAndRemovesOrphans) {
  SKIP_WITHOUT("memory");
  boost::asio::io_context io;
  {
    CgroupsIsolator before(io, hierarchy_, options(), {"mem"});
    LaunchPlan plan;
    ASSERT_TRUE(before.prepare(spec("known", "mem:64"), &plan).ok());
    ASSERT_TRUE(before.prepare(spec("orphan", "mem:64"), &plan).ok());
  }  // the agent "restarts": nothing is removed
  Child orphanTask([]() -> int {
    for (;;)
      ::pause();
  });
  auto orphan = ContainerCgroup::open(hierarchy_, root_, "orphan", {"memory"});
  ASSERT_TRUE(orphan.ok()) << orphan.error().message;
  ASSERT_TRUE(orphan->attach(orphanTask.pid()).ok());
  orphanTask.go();

  CgroupsIsolator after(io, hierarchy_, options(), {"mem"});
  ASSERT_TRUE(after.recover({spec("known", "mem:64")}).ok());
  EXPECT_FALSE(fs::exists(dirOf("memory", "orphan")));
  auto status = orphanTask.wait(5s);
  ASSERT_TRUE(status.has_value()) << "the orphan's task still runs";
  EXPECT_TRUE(WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL);

  EXPECT_TRUE(fs::isDirectory(dirOf("memory", "known")));
  mesos::v1::ResourceStatistics statistics;
  EXPECT_TRUE(after.usage("known", &statistics).ok());
  ASSERT_TRUE(after.cleanup("known").ok());
  EXPECT_FALSE(fs::exists(dirOf("memory", "known")));
}

// Opens /dev/null and mknods a /dev/mem node (c 1:1, not allowed) in `scratch`:
// 0 when the first works and the second is refused.
int probeDevices(const std::string& scratch) {
  const int null = ::open("/dev/null", O_WRONLY);
  if (null < 0) return 10;
  ::close(null);
  const std::string node = scratch + "/mem";
  if (::mknod(node.c_str(), S_IFCHR | 0600, makedev(1, 1)) == 0) {
    ::unlink(node.c_str());
    return 11;
  }
  return errno == EPERM ? 0 : 12;
}

class ScratchDirectory {
 public:
  ScratchDirectory() {
    char templ[] = "/tmp/mesolite-devices-XXXXXX";
    if (::mkdtemp(templ)) path_ = templ;
  }
  ~ScratchDirectory() {
    ::unlink((path_ + "/mem").c_str());
    ::rmdir(path_.c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST_F(CgroupsTest, DevicesIsolatorAllowsOnlyTheUsualDevices) {
  SKIP_WITHOUT("devices");
  boost::asio::io_context io;
  CgroupsIsolator isolator(io, hierarchy_, options(), {"devices"});
  LaunchPlan plan;
  auto prepared = isolator.prepare(spec("dev", "cpus:1"), &plan);
  ASSERT_TRUE(prepared.ok()) << prepared.error().message;
  if (!hierarchy_.onV2("devices")) {
    const std::string list = readTrimmed(dirOf("devices", "dev") + "/devices.list");
    EXPECT_NE(list.find("c 1:3 rwm"), std::string::npos) << list;
    EXPECT_NE(list.find("c 136:* rwm"), std::string::npos) << list;
    EXPECT_EQ(list.find("a *:* rwm"), std::string::npos) << list;
  }
  ScratchDirectory scratch;
  ASSERT_FALSE(scratch.path().empty());
  Child probe([&] { return probeDevices(scratch.path()); });
  ASSERT_TRUE(isolator.isolate("dev", probe.pid()).ok());
  probe.go();
  auto status = probe.wait(5s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << "probe status " << *status;
  ASSERT_TRUE(isolator.cleanup("dev").ok());
}

// The BPF device filter that cgroup v2 needs, tried on whatever cgroup2 mount this host
// has (on hybrid hosts the unified hierarchy polices devices with BPF too).
TEST_F(CgroupsTest, BpfDeviceFilterOnCgroup2) {
  if (!hierarchy_.v2Mount) GTEST_SKIP() << "no cgroup2 mount on this host";
  const std::string dir = *hierarchy_.v2Mount + "/" + root_;
  ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((dir + "/dev").c_str(), 0755), 0);
  auto attached = cgroups::attachDeviceFilter(dir + "/dev", cgroups::defaultContainerDevices());
  ASSERT_TRUE(attached.ok()) << attached.error().message;

  ScratchDirectory scratch;
  ASSERT_FALSE(scratch.path().empty());
  Child inside([&] { return probeDevices(scratch.path()); });
  ASSERT_TRUE(fs::writeFile(dir + "/dev/cgroup.procs", std::to_string(inside.pid())).ok());
  inside.go();
  auto status = inside.wait(5s);
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0) << "probe status " << *status;

  // Outside the cgroup the same mknod works: the filter, not something else, refused it.
  const std::string node = scratch.path() + "/mem";
  ASSERT_EQ(::mknod(node.c_str(), S_IFCHR | 0600, makedev(1, 1)), 0) << std::strerror(errno);
  ::unlink(node.c_str());
}

// What creating and removing a container's cgroups costs here (the launch budget is a
// few milliseconds end to end).
TEST_F(CgroupsTest, CreateAttachDestroyCost) {
  SKIP_WITHOUT("cpu");
  SKIP_WITHOUT("memory");
  SKIP_WITHOUT("pids");
  boost::asio::io_context io;
  CgroupsIsolator isolator(io, hierarchy_, options(), {"cpu", "mem", "pids"});
  constexpr int kRounds = 50;
  Clock::duration prepareTime{}, attachTime{}, cleanupTime{};
  for (int i = 0; i < kRounds; ++i) {
    const std::string id = "c" + std::to_string(i);
    LaunchPlan plan;
    auto t0 = Clock::now();
    ASSERT_TRUE(isolator.prepare(spec(id, "cpus:0.5;mem:64"), &plan).ok());
    Child task([] { return 0; });
    auto t1 = Clock::now();
    ASSERT_TRUE(isolator.isolate(id, task.pid()).ok());
    auto t2 = Clock::now();
    task.go();
    ASSERT_TRUE(task.wait(5s).has_value());
    auto t3 = Clock::now();
    ASSERT_TRUE(isolator.cleanup(id).ok());
    auto t4 = Clock::now();
    prepareTime += t1 - t0;
    attachTime += t2 - t1;
    cleanupTime += t4 - t3;
  }
  const auto ms = [](Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count() / kRounds;
  };
  std::cout << "per container (cpu+mem+pids, " << cgroups::layoutName(hierarchy_.layout)
            << "): prepare " << ms(prepareTime) << " ms, attach " << ms(attachTime)
            << " ms, cleanup " << ms(cleanupTime) << " ms\n";
}

}  // namespace
}  // namespace mesolite
