#include "agent/containerizer.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <filesystem>
#include <sstream>

#include "agent/launcher_process.h"
#include "common/fs.h"
#include "common/logging.h"
#include "common/proc_stat.h"
#include "common/task_fields.h"
#include "mesolite/checkpoint.pb.h"

namespace mesolite::agent {

namespace asio = boost::asio;
using mesos::v1::TaskStatus;

struct Containerizer::Container {
  std::string id;
  std::string frameworkId;  // set for a task's container
  std::string executorId;
  isolation::ContainerSpec spec;
  std::string runtimeDir;
  pid_t supervisorPid = 0;
  std::optional<uint64_t> supervisorStartTime;  // tells it from a later process of its pid
  bool supervisorIsChild = false;
  std::unique_ptr<asio::posix::stream_descriptor> supervisorExit;  // a pidfd
  std::optional<isolation::Limitation> limitation;
  bool killed = false;
  bool ending = false;  // its supervisor is gone; the isolators are cleaning up
  std::optional<Termination> termination;
  std::vector<std::function<void(const Termination&)>> waiters;
  // The launcher says once the task has exec'ed; only then does it run.
  std::unique_ptr<asio::posix::stream_descriptor> startedPipe;
  std::unique_ptr<asio::steady_timer> startDeadline;
  char startedByte = 0;
  bool started = false;
  std::vector<std::function<void()>> startWaiters;
  // How its task was launched (none: recovered from an agent older than this field).
  std::optional<launcher::LaunchRequest> request;

  std::string path(const char* name) const { return runtimeDir + "/" + name; }

  pid_t taskPid() const {
    auto text = fs::readFile(path("pid"));
    return text ? pid_t(std::atoi(text->c_str())) : 0;
  }
};

namespace {

constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// A command's environment being built: a later value of a name replaces the earlier.
class Environment {
 public:
  void set(const std::string& name, const std::string& value) { values_[name] = value; }
  void set(const std::string& entry) {  // "NAME=value"
    const size_t eq = entry.find('=');
    if (eq != std::string::npos) set(entry.substr(0, eq), entry.substr(eq + 1));
  }
  std::vector<std::string> entries() const {
    std::vector<std::string> out;
    for (const auto& [name, value] : values_)
      out.push_back(name + "=" + value);
    return out;
  }

 private:
  std::map<std::string, std::string> values_;
};

// The start time of a process, to tell our supervisor from an unrelated process that
// reuses its pid after a restart.
std::optional<uint64_t> startTime(pid_t pid) {
  auto stat = proc::readStat(pid);
  if (!stat) return std::nullopt;
  return stat->startTime;
}

int pidfdOpen(pid_t pid) {
  return int(syscall(SYS_pidfd_open, pid, 0));
}

std::vector<std::string> commandArgv(const mesos::v1::CommandInfo& command) {
  if (!command.has_shell() || command.shell()) return {"/bin/sh", "-c", command.value()};
  // Mesos: `value` is the program and `arguments` its whole argv, argv[0] included.
  // We exec argv[0], so `value` takes its place.
  std::vector<std::string> argv(command.arguments().begin(), command.arguments().end());
  if (command.has_value()) {
    if (argv.empty()) argv.emplace_back();
    argv[0] = command.value();
  }
  return argv;
}

std::string describeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    return std::string("terminated by signal ") + strsignal(WTERMSIG(status));
  }
  return "ended with wait status " + std::to_string(status);
}

}  // namespace

Result<void> validateContainerId(const std::string& id) {
  if (id.empty()) return Error("container id is empty");
  if (id == "." || id == "..") return Error("container id '" + id + "' is not allowed");
  for (char c : id) {
    if (!std::isalnum(uint8_t(c)) && c != '-' && c != '_' && c != '.') {
      return Error("container id '" + id + "' holds '" + std::string(1, c) +
                   "'; use letters, digits, '-', '_' and '.'");
    }
  }
  if (id.size() > 200) return Error("container id longer than 200 characters");
  return success();
}

Containerizer::Containerizer(asio::io_context& io, ContainerizerOptions options,
                             std::vector<std::unique_ptr<isolation::Isolator>> isolators)
    : io_(io), options_(std::move(options)), isolators_(std::move(isolators)) {}

Result<void> Containerizer::sealLauncher() {
  auto sealed = SealedLauncher::copy(options_.launcherPath);
  if (!sealed) return sealed.error();
  launcher_ = std::make_unique<SealedLauncher>(std::move(*sealed));
  return success();
}

void Containerizer::watchStarted(Container& container, launcher::UniqueFd started) {
  container.startDeadline = std::make_unique<asio::steady_timer>(io_, options_.startTimeout);
  container.startDeadline->async_wait(
      [this, id = container.id](const boost::system::error_code& ec) {
        auto it = containers_.find(id);
        if (ec || it == containers_.end() || it->second->started) return;
        onLimitation(id, {.reason = TaskStatus::REASON_EXECUTOR_REGISTRATION_TIMEOUT,
                          .message = "the command did not start within " +
                                     std::to_string(options_.startTimeout.count()) +
                                     " ms (--executor_registration_timeout)"});
      });
  container.startedPipe = std::make_unique<asio::posix::stream_descriptor>(io_, started.release());
  container.startedPipe->async_read_some(
      asio::buffer(&container.startedByte, 1),
      [this, id = container.id](const boost::system::error_code& ec, size_t bytes) {
        if (ec == asio::error::operation_aborted) return;
        auto it = containers_.find(id);
        if (it == containers_.end()) return;
        Container& found = *it->second;
        found.startedPipe.reset();
        if (ec || bytes != 1) return;  // it never exec'ed: its end reports why
        // Seen only after the deadline (both ready in one turn of a busy loop): the
        // deadline wins, as its timer is about to say.
        if (found.startDeadline &&
            found.startDeadline->expiry() <= asio::steady_timer::clock_type::now())
          return;
        markStarted(found);
      });
}

void Containerizer::markStarted(Container& container) {
  container.started = true;
  container.startDeadline.reset();
  auto waiters = std::move(container.startWaiters);
  for (auto& waiter : waiters)
    waiter();
}

void Containerizer::whenStarted(const std::string& id, std::function<void()> started) {
  auto it = containers_.find(id);
  if (it == containers_.end() || it->second->termination) return;
  if (it->second->started) return started();
  it->second->startWaiters.push_back(std::move(started));
}

// Containers outlive the agent: nothing is killed here (a restarted agent recovers them).
Containerizer::~Containerizer() = default;

std::variant<Containerizer::Launched, ContainerError> Containerizer::launch(
    const mesos::v1::agent::Call::LaunchContainer& call, const TaskLaunch* task) {
  const std::string& id = call.container_id().value();
  if (call.container_id().has_parent()) {
    return ContainerError{400, "nested containers are not supported yet"};
  }
  if (auto valid = validateContainerId(id); !valid)
    return ContainerError{400, valid.error().message};
  if (containers_.count(id)) return Launched::kAlreadyExists;
  if (!call.has_command() ||
      (!call.command().has_value() && call.command().arguments_size() == 0)) {
    return ContainerError{400, "LAUNCH_CONTAINER of " + id + " needs a command"};
  }
  if (call.command().uris_size() > 0) {
    // Tasks get theirs fetched before they come here; standalone containers do not.
    return ContainerError{
        501, "container " + id +
                 ": command.uris are not fetched for standalone containers (LAUNCH_CONTAINER); "
                 "fetch the files in the command, or run it as a task"};
  }
  if (call.container().has_type() && call.container().type() != mesos::v1::ContainerInfo::MESOS) {
    return ContainerError{
        400, "container " + id + ": of type " +
                 mesos::v1::ContainerInfo::Type_Name(call.container().type()) +
                 " cannot run: this agent has no Docker containerizer, and the Mesos "
                 "containerizer does not run images yet; run the command without an image"};
  }
  auto resources = Resources::fromProtos(call.resources());
  if (!resources) return ContainerError{400, "container " + id + ": " + resources.error().message};
  if (auto limits = validateResourceLimits(call.limits(), call.resources()); !limits) {
    return ContainerError{400, "container " + id + ": limits: " + limits.error().message};
  }
  if (options_.beforeLaunch) {
    if (auto ready = options_.beforeLaunch(); !ready)
      return ContainerError{500, "container " + id + ": " + ready.error().message};
  }

  auto container = std::make_unique<Container>();
  container->id = id;
  container->runtimeDir = options_.runtimeDir + "/containers/" + id;
  container->spec.id = id;
  container->spec.resources = std::move(*resources);
  container->spec.info = call.container();
  for (const auto& [name, limit] : call.limits())
    container->spec.limits[name] = limit.value();
  container->spec.sandbox = options_.workDir + "/containers/" + id;
  if (task) {
    if (!task->sandbox.empty()) container->spec.sandbox = task->sandbox;
    container->frameworkId = task->frameworkId;
    container->executorId = task->executorId;
  }
  if (call.command().has_user()) container->spec.user = call.command().user();

  checkpoint::ContainerConfig config;
  *config.mutable_container_id() = call.container_id();
  *config.mutable_command() = call.command();
  *config.mutable_resources() = call.resources();
  *config.mutable_limits() = call.limits();
  if (call.has_container()) *config.mutable_container_info() = call.container();
  config.set_sandbox_directory(container->spec.sandbox);
  if (container->spec.user) config.set_user(*container->spec.user);
  if (task) {
    config.set_framework_id(task->frameworkId);
    config.set_executor_id(task->executorId);
  }

  for (const std::string& dir : {container->runtimeDir, container->spec.sandbox}) {
    if (auto made = fs::makeDirectories(dir); !made)
      return ContainerError{500, made.error().message};
  }
  if (auto saved = fs::writeFileAtomically(container->path("config"), config.SerializeAsString());
      !saved) {
    std::filesystem::remove_all(container->runtimeDir);
    return ContainerError{500, saved.error().message};
  }

  Container& ref = *container;
  containers_[id] = std::move(container);
  if (auto started =
          start(ref, call.command(), task ? task->environment : std::vector<std::string>());
      !started) {
    std::error_code ignored;
    std::filesystem::remove_all(ref.runtimeDir, ignored);
    std::filesystem::remove_all(ref.spec.sandbox, ignored);
    containers_.erase(id);
    return ContainerError{400, "cannot launch container " + id + ": " + started.error().message};
  }
  return Launched::kNew;
}

Result<void> Containerizer::start(Container& container, const mesos::v1::CommandInfo& command,
                                  const std::vector<std::string>& taskEnvironment) {
  launcher::LaunchRequest request;
  request.containerId = container.id;
  request.argv = commandArgv(command);

  // Lowest first, as Mesos layers them: the agent's --executor_environment_variables,
  // the task's MESOS_* variables, the command's own; each name once (getenv() would
  // find only the first of two).
  Environment environment;
  environment.set("PATH", kDefaultPath);
  for (const auto& [name, value] : options_.executorEnvironment)
    environment.set(name, value);
  for (const std::string& entry : taskEnvironment)
    environment.set(entry);
  for (const auto& variable : command.environment().variables()) {
    if (variable.type() == mesos::v1::Environment::Variable::SECRET) {
      return Error("environment variable '" + variable.name() +
                   "' is a SECRET: secrets are not supported yet");
    }
    environment.set(variable.name(), variable.value());
  }
  request.workingDirectory = container.spec.sandbox;
  request.stdoutPath = container.spec.sandbox + "/stdout";
  request.stderrPath = container.spec.sandbox + "/stderr";
  if (options_.logrotate) {
    auto rotations = containerLogRotation(*options_.logrotate, command);
    if (!rotations) return rotations.error().wrap(kLogrotateContainerLogger);
    request.stdoutRotation = rotations->out;
    request.stderrRotation = rotations->err;
  }
  request.pidPath = container.path("pid");
  request.terminationPath = container.path("termination");

  if (container.spec.user && options_.switchUser) {
    std::vector<char> buffer(16384);
    passwd entry{};
    passwd* found = nullptr;
    getpwnam_r(container.spec.user->c_str(), &entry, buffer.data(), buffer.size(), &found);
    if (found == nullptr)
      return Error("user '" + *container.spec.user + "' does not exist on this agent");
    request.uid = found->pw_uid;
    request.gid = found->pw_gid;
    container.spec.uid = found->pw_uid;
    container.spec.gid = found->pw_gid;
    int count = 64;
    std::vector<gid_t> groups(static_cast<size_t>(count));
    if (getgrouplist(found->pw_name, found->pw_gid, groups.data(), &count) >= 0) {
      request.supplementaryGroups.assign(groups.begin(), groups.begin() + count);
    }
    chown(container.spec.sandbox.c_str(), found->pw_uid, found->pw_gid);
  }

  isolation::LaunchPlan plan;
  size_t prepared = 0;
  for (; prepared < isolators_.size(); ++prepared) {
    if (auto ok = isolators_[prepared]->prepare(container.spec, &plan); !ok) {
      for (size_t i = prepared; i-- > 0;)
        (void)isolators_[i]->cleanup(container.id);
      return ok.error().wrap(std::string(isolators_[prepared]->name()));
    }
  }
  static_cast<launcher::Isolation&>(request) = plan;
  for (const std::string& entry : plan.environment)
    environment.set(entry);

  // The task's own view of its sandbox, once filesystem/linux has placed it.
  const std::string sandboxInContainer =
      plan.filesystem && !plan.filesystem->sandboxMountPoint.empty()
          ? plan.filesystem->sandboxMountPoint
          : container.spec.sandbox;
  environment.set("MESOS_SANDBOX", sandboxInContainer);
  request.environment = environment.entries();

  if (!launcher_) {  // sealLauncher() runs once at start
    cleanupIsolators(container.id);
    return Error("the launcher " + options_.launcherPath + " was not copied and sealed at start");
  }
  // Kept, and recovered after a restart: a command run inside the container later
  // (Containerizer::exec) gets the same isolation.
  (void)fs::writeFileAtomically(container.path("request"), request.encode());
  container.request = request;
  auto spawned = spawnLauncher(*launcher_, request, container.path("launcher.log"));
  if (!spawned) {
    cleanupIsolators(container.id);
    return spawned.error();
  }
  const pid_t pid = spawned->pid;
  watchStarted(container, std::move(spawned->started));
  container.supervisorPid = pid;
  container.supervisorIsChild = true;
  container.supervisorStartTime = startTime(pid);
  if (auto start = container.supervisorStartTime) {
    (void)fs::writeFileAtomically(container.path("supervisor.pid"),
                                  std::to_string(pid) + " " + std::to_string(*start) + "\n");
  }
  watchSupervisor(container);
  for (auto& isolator : isolators_) {
    isolator->watch(container.id, [this, id = container.id](const isolation::Limitation& l) {
      onLimitation(id, l);
    });
  }
  log::info("launched container {} (supervisor pid {})", container.id, pid);
  return success();
}

void Containerizer::watchSupervisor(Container& container) {
  const int fd = pidfdOpen(container.supervisorPid);
  if (fd < 0) {
    // Gone already (or no pidfd support): deal with it on the next turn of the loop.
    asio::post(io_, [this, id = container.id] { onSupervisorExit(id); });
    return;
  }
  container.supervisorExit = std::make_unique<asio::posix::stream_descriptor>(io_, fd);
  container.supervisorExit->async_wait(
      asio::posix::stream_descriptor::wait_read,
      [this, id = container.id](const boost::system::error_code& ec) {
        if (ec == asio::error::operation_aborted) return;
        onSupervisorExit(id);
      });
}

void Containerizer::onSupervisorExit(const std::string& id) {
  auto it = containers_.find(id);
  if (it == containers_.end() || it->second->termination || it->second->ending) return;
  Container& container = *it->second;
  // Only a supervisor that is really gone counts: a wake-up while it runs (which should
  // not happen, but would otherwise block the agent in waitpid) re-arms the watch.
  if (container.supervisorIsChild) {
    int supervisorStatus = 0;
    pid_t reaped = waitpid(container.supervisorPid, &supervisorStatus, WNOHANG);
    while (reaped < 0 && errno == EINTR)
      reaped = waitpid(container.supervisorPid, &supervisorStatus, WNOHANG);
    if (reaped == 0) {
      log::warn("container {}: woken while its supervisor {} runs; watching it again", id,
                container.supervisorPid);
      return watchSupervisor(container);
    }
  } else if (container.supervisorPid > 0 && ::kill(container.supervisorPid, 0) == 0 &&
             startTime(container.supervisorPid) == container.supervisorStartTime) {
    return watchSupervisor(container);
  }
  container.supervisorExit.reset();

  std::optional<launcher::Termination> ended;
  if (auto text = fs::readFile(container.path("termination"))) {
    if (auto parsed = launcher::Termination::decode(*text)) ended = *parsed;
  }
  // Whatever is left of the container goes now: daemons the task started, or
  // everything if the supervisor itself died.
  killEverything(container);

  Termination termination;
  if (ended && ended->waitStatus) termination.set_exit_status(*ended->waitStatus);
  const bool exitedZero = ended && ended->waitStatus && WIFEXITED(*ended->waitStatus) &&
                          WEXITSTATUS(*ended->waitStatus) == 0;
  if (container.limitation) {
    termination.set_state(mesos::v1::TASK_FAILED);
    termination.set_reason(container.limitation->reason);
    termination.set_message(container.limitation->message);
    *termination.mutable_limitation()->mutable_resources() =
        container.limitation->resources.toProtos();
  } else if (ended && ended->oomKills > 0) {
    // The OOM killer struck before the watch reported it.
    termination.set_state(mesos::v1::TASK_FAILED);
    termination.set_reason(TaskStatus::REASON_CONTAINER_LIMITATION_MEMORY);
    const auto mem = container.spec.resources.mem();
    termination.set_message("Memory limit exceeded: Requested: " +
                            (mem ? std::to_string(int64_t(*mem)) + "MB" : std::string("?")));
    *termination.mutable_limitation()->mutable_resources() =
        container.spec.resources
            .filter([](const mesos::v1::Resource& r) { return r.name() == "mem"; })
            .toProtos();
  } else if (!ended) {
    termination.set_state(mesos::v1::TASK_FAILED);
    termination.set_reason(TaskStatus::REASON_EXECUTOR_TERMINATED);
    termination.set_message("the container's supervisor (pid " +
                            std::to_string(container.supervisorPid) +
                            ") ended without recording how the task ended");
  } else if (!ended->waitStatus) {
    termination.set_state(mesos::v1::TASK_FAILED);
    termination.set_reason(TaskStatus::REASON_CONTAINER_LAUNCH_FAILED);
    termination.set_message(ended->message);
  } else if (container.killed) {
    termination.set_state(mesos::v1::TASK_KILLED);
    termination.set_message("killed: " + describeWaitStatus(*ended->waitStatus));
  } else {
    termination.set_state(exitedZero ? mesos::v1::TASK_FINISHED : mesos::v1::TASK_FAILED);
    termination.set_message("the command " + describeWaitStatus(*ended->waitStatus));
  }
  // The isolators clean up off the loop (cgroups wait for their processes to be gone);
  // the container ends for its waiters once they have.
  container.ending = true;
  cleanupIsolatorsAsync(id, isolators_.size(), [this, id, termination = std::move(termination)] {
    auto found = containers_.find(id);
    if (found != containers_.end()) finish(*found->second, termination);
  });
}

void Containerizer::cleanupIsolatorsAsync(const std::string& id, size_t remaining,
                                          std::function<void()> done) {
  if (remaining == 0) return done();
  // In reverse order of preparation, one after another.
  isolators_[remaining - 1]->cleanupAsync(
      id, [this, id, remaining, done = std::move(done)](Result<void> cleaned) mutable {
        if (!cleaned) {
          log::warn("container {}: cleanup by {}: {}", id, isolators_[remaining - 1]->name(),
                    cleaned.error().message);
        }
        cleanupIsolatorsAsync(id, remaining - 1, std::move(done));
      });
}

void Containerizer::finish(Container& container, Termination termination) {
  // Kept on disk so WAIT_CONTAINER still answers after an agent restart.
  (void)fs::writeFileAtomically(container.path("status"), termination.SerializeAsString());
  container.termination = std::move(termination);
  log::info("container {} ended: {}", container.id, container.termination->message());
  auto waiters = std::move(container.waiters);
  for (auto& waiter : waiters)
    waiter(*container.termination);
}

void Containerizer::onLimitation(const std::string& id, const isolation::Limitation& limitation) {
  auto it = containers_.find(id);
  if (it == containers_.end() || it->second->termination || it->second->limitation) return;
  log::warn("container {} hit a limit: {}", id, limitation.message);
  it->second->limitation = limitation;
  killEverything(*it->second);
}

void Containerizer::killEverything(Container& container) {
  for (auto& isolator : isolators_) {
    auto killed = isolator->kill(container.id);
    if (killed && *killed) return;
    if (!killed) log::warn("container {}: {}", container.id, killed.error().message);
  }
  // No isolator owns the processes (no cgroups): the task's own pid is all we know.
  if (pid_t pid = container.taskPid(); pid > 0) ::kill(pid, SIGKILL);
}

void Containerizer::cleanupIsolators(const std::string& id) {
  for (auto it = isolators_.rbegin(); it != isolators_.rend(); ++it) {
    if (auto cleaned = (*it)->cleanup(id); !cleaned) {
      log::warn("container {}: cleanup by {}: {}", id, (*it)->name(), cleaned.error().message);
    }
  }
}

std::optional<ContainerError> Containerizer::wait(const std::string& id,
                                                  std::function<void(const Termination&)> done) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return ContainerError{404, "container " + id + " is unknown"};
  if (it->second->termination) {
    done(*it->second->termination);
  } else {
    it->second->waiters.push_back(std::move(done));
  }
  return std::nullopt;
}

std::optional<ContainerError> Containerizer::kill(const std::string& id, int signal) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return ContainerError{404, "container " + id + " is unknown"};
  Container& container = *it->second;
  if (container.termination) return std::nullopt;  // already ended: nothing to do
  if (signal <= 0 || signal >= NSIG) {
    return ContainerError{400, "invalid signal " + std::to_string(signal)};
  }
  container.killed = true;
  if (signal == SIGKILL) {
    killEverything(container);
  } else if (pid_t pid = container.taskPid(); pid > 0) {
    ::kill(pid, signal);
  }
  return std::nullopt;
}

pid_t Containerizer::taskPid(const std::string& id) const {
  auto it = containers_.find(id);
  return it == containers_.end() ? 0 : it->second->taskPid();
}

std::string Containerizer::sandbox(const std::string& id) const {
  auto it = containers_.find(id);
  return it == containers_.end() ? std::string() : it->second->spec.sandbox;
}

bool Containerizer::usesSandboxUnder(const std::string& directory) const {
  for (const auto& [id, container] : containers_) {
    const std::string& sandbox = container->spec.sandbox;
    if (sandbox.rfind(directory, 0) == 0 &&
        (sandbox.size() == directory.size() || sandbox[directory.size()] == '/')) {
      return true;
    }
  }
  return false;
}

pid_t Containerizer::supervisorPid(const std::string& id) const {
  auto it = containers_.find(id);
  return it == containers_.end() ? 0 : it->second->supervisorPid;
}

std::optional<ContainerError> Containerizer::remove(const std::string& id, bool keepSandbox) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return ContainerError{404, "container " + id + " is unknown"};
  if (!it->second->termination) {
    return ContainerError{409, "container " + id + " is still running; kill it first"};
  }
  std::error_code error;
  if (!keepSandbox) std::filesystem::remove_all(it->second->spec.sandbox, error);
  std::filesystem::remove_all(it->second->runtimeDir, error);
  containers_.erase(it);
  return std::nullopt;
}

std::variant<std::unique_ptr<ContainerExec>, ContainerError> Containerizer::exec(
    const std::string& id, const std::string& name, const mesos::v1::CommandInfo& command,
    std::chrono::milliseconds timeout, ContainerExec::Done done) {
  auto it = containers_.find(id);
  if (it == containers_.end()) return ContainerError{404, "container " + id + " is unknown"};
  Container& container = *it->second;
  const pid_t pid = container.taskPid();
  if (container.termination || container.ending || !container.started || pid <= 0) {
    return ContainerError{409, "container " + id + " is not running"};
  }
  if (!container.request) {
    return ContainerError{409, "container " + id + " was launched by an older agent: " +
                                   "its isolation is not known"};
  }
  if (!launcher_) return ContainerError{500, "the launcher was not sealed at start"};
  launcher::LaunchRequest request = *container.request;
  request.argv = commandArgv(command);
  Environment environment;
  for (const std::string& entry : container.request->environment)
    environment.set(entry);
  for (const auto& variable : command.environment().variables()) {
    if (variable.type() == mesos::v1::Environment::Variable::SECRET) {
      return ContainerError{400, "environment variable '" + variable.name() +
                                     "' is a SECRET: secrets are not supported yet"};
    }
    environment.set(variable.name(), variable.value());
  }
  request.environment = environment.entries();
  // What the container made when it started is there already: it is joined instead.
  request.joinPid = int32_t(pid);
  request.filesystem.reset();
  request.init = false;
  request.hostname.reset();
  request.oomCounterFile.reset();
  request.stdoutPath.clear();  // the command's output goes to its launcher's log
  request.stderrPath.clear();
  request.stdoutRotation.reset();
  request.stderrRotation.reset();
  request.pidPath = container.runtimeDir + "/" + name + ".pid";
  request.terminationPath = container.runtimeDir + "/" + name + ".termination";
  auto started =
      ContainerExec::start(io_, *launcher_, request, container.runtimeDir + "/" + name + ".log",
                           timeout, std::move(done));
  if (!started) return ContainerError{500, started.error().message};
  return std::move(*started);
}

std::optional<std::string> Containerizer::userOf(const std::string& id) const {
  auto found = containers_.find(id);
  if (found == containers_.end()) return std::nullopt;
  return found->second->spec.user;
}

bool Containerizer::known(const std::string& id) const {
  return containers_.count(id) != 0;
}

std::vector<Containerizer::View> Containerizer::containers() {
  std::vector<View> views;
  for (auto& [id, container] : containers_) {
    View view;
    view.id = id;
    view.running = !container->termination;
    view.resources = container->spec.resources;
    view.frameworkId = container->frameworkId;
    view.executorId = container->executorId;
    if (view.running) {
      view.pid = container->taskPid();
      mesos::v1::ResourceStatistics statistics;
      statistics.set_timestamp(
          std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
              .count());
      for (auto& isolator : isolators_) {
        (void)isolator->usage(id, &statistics);
        (void)isolator->metrics(id, &view.metrics);
      }
      view.statistics = std::move(statistics);
    }
    views.push_back(std::move(view));
  }
  return views;
}

Result<void> Containerizer::recover() {
  const std::string root = options_.runtimeDir + "/containers";
  std::error_code error;
  if (!std::filesystem::exists(root, error)) return success();

  std::vector<isolation::ContainerSpec> specs;
  for (const auto& entry : std::filesystem::directory_iterator(root, error)) {
    const std::string id = entry.path().filename();
    auto container = std::make_unique<Container>();
    container->id = id;
    container->runtimeDir = entry.path();
    auto text = fs::readFile(container->path("config"));
    checkpoint::ContainerConfig config;
    if (!text || !config.ParseFromString(*text)) {
      log::warn("ignoring {}: no readable checkpointed config", container->runtimeDir);
      continue;
    }
    auto resources = Resources::fromProtos(config.resources());
    container->spec.id = id;
    container->spec.resources = resources ? *resources : Resources();
    container->spec.info = config.container_info();
    for (const auto& [name, limit] : config.limits())
      container->spec.limits[name] = limit.value();
    container->spec.sandbox = config.sandbox_directory();
    if (auto encoded = fs::readFile(container->path("request"))) {
      if (auto request = launcher::LaunchRequest::decode(*encoded)) container->request = *request;
    }
    if (config.has_user()) container->spec.user = config.user();
    container->frameworkId = config.framework_id();
    container->executorId = config.executor_id();
    if (auto status = fs::readFile(container->path("status"))) {
      Termination termination;
      if (termination.ParseFromString(*status)) container->termination = termination;
    }
    if (!container->termination) specs.push_back(container->spec);
    containers_[id] = std::move(container);
  }
  for (auto& isolator : isolators_) {
    if (auto recovered = isolator->recover(specs); !recovered) {
      return recovered.error().wrap("recovering " + std::string(isolator->name()));
    }
  }

  for (auto& [id, container] : containers_) {
    if (container->termination) continue;
    pid_t pid = 0;
    uint64_t recordedStart = 0;
    if (auto text = fs::readFile(container->path("supervisor.pid"))) {
      std::istringstream(*text) >> pid >> recordedStart;
    }
    const auto start = pid > 0 ? startTime(pid) : std::nullopt;
    if (!start || *start != recordedStart) {
      log::info("container {}: its supervisor is gone; collecting its end", id);
      asio::post(io_, [this, id = id] { onSupervisorExit(id); });
      continue;
    }
    container->supervisorPid = pid;
    container->supervisorStartTime = start;
    container->started = bool(fs::readFile(container->path("pid")));
    if (options_.recoverByCleanup) {
      log::info("container {}: killing it (--recover=cleanup)", id);
      container->killed = true;
      killEverything(*container);
    }
    watchSupervisor(*container);
    for (auto& isolator : isolators_) {
      isolator->watch(id, [this, id = id](const isolation::Limitation& l) { onLimitation(id, l); });
    }
    log::info("recovered container {} (supervisor pid {})", id, pid);
  }
  return success();
}

}  // namespace mesolite::agent
