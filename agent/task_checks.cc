#include "agent/task_checks.h"

#include <sys/wait.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <variant>

#include "agent/check_probes.h"
#include "agent/containerizer.h"
#include "common/logging.h"

namespace mesolite::agent {

namespace asio = boost::asio;

namespace {

// An interval of 0 is allowed (as in Mesos); back to back runs still leave the loop
// and the task this much room.
constexpr std::chrono::milliseconds kMinimumInterval{100};

// One run's outcome: the probe's result, or `error` when it produced none.
struct RunResult {
  std::optional<std::string> error;
  std::optional<int> exitCode;         // COMMAND
  std::optional<uint32_t> statusCode;  // HTTP
  std::optional<bool> connected;       // TCP
};

std::string describe(const RunResult& result) {
  if (result.error) return *result.error;
  if (result.exitCode) return "the command exited with status " + std::to_string(*result.exitCode);
  if (result.statusCode) return "HTTP status " + std::to_string(*result.statusCode);
  return *result.connected ? "connected" : "could not connect";
}

bool healthy(const RunResult& result) {
  if (result.error) return false;
  if (result.exitCode) return *result.exitCode == 0;
  if (result.statusCode) return *result.statusCode >= 200 && *result.statusCode < 400;
  return result.connected.value_or(false);
}

mesos::v1::CheckInfo::Type checkType(CheckDefinition::Type type) {
  switch (type) {
    case CheckDefinition::Type::kCommand:
      return mesos::v1::CheckInfo::COMMAND;
    case CheckDefinition::Type::kHttp:
      return mesos::v1::CheckInfo::HTTP;
    case CheckDefinition::Type::kTcp:
      break;
  }
  return mesos::v1::CheckInfo::TCP;
}

// Mesos's CheckStatusInfo: the type and its (empty when there is no result) part.
mesos::v1::CheckStatusInfo checkStatus(CheckDefinition::Type type, const RunResult* result) {
  mesos::v1::CheckStatusInfo status;
  status.set_type(checkType(type));
  switch (type) {
    case CheckDefinition::Type::kCommand: {
      auto* command = status.mutable_command();
      if (result && result->exitCode) command->set_exit_code(*result->exitCode);
      break;
    }
    case CheckDefinition::Type::kHttp: {
      auto* http = status.mutable_http();
      if (result && result->statusCode) http->set_status_code(*result->statusCode);
      break;
    }
    case CheckDefinition::Type::kTcp: {
      auto* tcp = status.mutable_tcp();
      if (result && !result->error && result->connected) tcp->set_succeeded(*result->connected);
      break;
    }
  }
  return status;
}

}  // namespace

HealthTracker::HealthTracker(uint32_t consecutiveFailures, std::chrono::milliseconds gracePeriod,
                             Clock::time_point start)
    : limit_(consecutiveFailures), gracePeriod_(gracePeriod), start_(start) {}

std::optional<HealthVerdict> HealthTracker::success() {
  const bool news = initializing_ || failures_ > 0;
  initializing_ = false;
  failures_ = 0;
  if (!news) return std::nullopt;
  return HealthVerdict{true, false, 0};
}

std::optional<HealthVerdict> HealthTracker::failure(Clock::time_point now) {
  if (initializing_ && gracePeriod_.count() > 0 && now - start_ <= gracePeriod_) {
    return std::nullopt;  // still starting up: not counted
  }
  ++failures_;
  return HealthVerdict{false, failures_ >= limit_, failures_};
}

// Runs one definition over and over: delay, run, interval after the run, run, ...
class TaskChecks::Runner {
 public:
  Runner(asio::io_context& io, Containerizer& containerizer, std::string containerId,
         CheckDefinition definition, std::string name, std::function<void(const RunResult&)> done)
      : io_(io),
        containerizer_(containerizer),
        containerId_(std::move(containerId)),
        definition_(std::move(definition)),
        name_(std::move(name)),
        done_(std::move(done)),
        timer_(io) {
    schedule(definition_.delay);
  }

  const CheckDefinition& definition() const { return definition_; }
  const std::string& name() const { return name_; }

 private:
  void schedule(std::chrono::milliseconds after) {
    timer_.expires_after(after);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) run();
    });
  }

  void finished(RunResult result) {
    done_(result);  // may destroy nothing of ours: the owner outlives its runners' calls
    schedule(std::max(definition_.interval, kMinimumInterval));
  }

  void run() {
    ProbeTarget target;
    target.networkOf = containerizer_.taskPid(containerId_);
    target.ipv6 = definition_.ipv6;
    target.port = uint16_t(definition_.port);
    target.timeout = definition_.timeout;
    switch (definition_.type) {
      case CheckDefinition::Type::kCommand: {
        auto started = containerizer_.exec(
            containerId_, name_, definition_.command, definition_.timeout,
            [this](Result<int> status) {
              RunResult result;
              if (!status) {
                result.error = status.error().message;
              } else if (WIFEXITED(*status)) {
                result.exitCode = WEXITSTATUS(*status);
              } else if (WIFSIGNALED(*status)) {
                result.error = std::string("the command was terminated by signal ") +
                               strsignal(WTERMSIG(*status));
              } else {
                result.error = "the command ended with wait status " + std::to_string(*status);
              }
              finished(std::move(result));
            });
        if (auto* error = std::get_if<ContainerError>(&started)) {
          return finished(RunResult{"cannot run the command: " + error->message, {}, {}, {}});
        }
        exec_ = std::move(std::get<std::unique_ptr<ContainerExec>>(started));
        return;
      }
      case CheckDefinition::Type::kHttp:
        probe_ = probeHttp(io_, target, definition_.path, [this](Result<uint32_t> code) {
          RunResult result;
          if (code) {
            result.statusCode = *code;
          } else {
            result.error = code.error().message;
          }
          finished(std::move(result));
        });
        return;
      case CheckDefinition::Type::kTcp:
        probe_ = probeTcp(io_, target, [this](Result<void> connected) {
          RunResult result;
          result.connected = bool(connected);
          // A refused or timed-out connection is the check's answer, not a lack of one
          // (as Mesos's mesos-tcp-connect exits 1); only a namespace we cannot enter is.
          if (!connected && connected.error().message.rfind("connect to", 0) != 0) {
            result.error = connected.error().message;
          }
          finished(std::move(result));
        });
        return;
    }
  }

  asio::io_context& io_;
  Containerizer& containerizer_;
  std::string containerId_;
  CheckDefinition definition_;
  std::string name_;
  std::function<void(const RunResult&)> done_;
  asio::steady_timer timer_;
  std::unique_ptr<ContainerExec> exec_;
  std::unique_ptr<Probe> probe_;
};

TaskChecks::TaskChecks(asio::io_context& io, Containerizer& containerizer, std::string containerId,
                       const std::string& taskId, const mesos::v1::HealthCheck* healthCheck,
                       const mesos::v1::CheckInfo* check, std::optional<bool> toldHealth,
                       Callbacks callbacks) {
  if (healthCheck) {
    if (auto definition = healthCheckDefinition(*healthCheck)) {
      auto tracker = std::make_shared<HealthTracker>(
          definition->consecutiveFailures, definition->gracePeriod, HealthTracker::Clock::now());
      if (toldHealth) tracker->resume(*toldHealth);
      health_ = std::make_unique<Runner>(
          io, containerizer, containerId, *definition, "health-check",
          [tracker, taskId, report = callbacks.health](const RunResult& result) {
            std::optional<HealthVerdict> verdict;
            if (healthy(result)) {
              verdict = tracker->success();
            } else {
              log::warn("health check of task {} failed: {}", taskId, describe(result));
              verdict = tracker->failure(HealthTracker::Clock::now());
            }
            if (verdict) report(*verdict);
          });
    } else {
      log::error("task {}: health check not run: {}", taskId, definition.error().message);
    }
  }
  if (check) {
    if (auto definition = checkDefinition(*check)) {
      auto last = std::make_shared<std::optional<std::string>>();
      const CheckDefinition::Type type = definition->type;
      check_ = std::make_unique<Runner>(
          io, containerizer, containerId, *definition, "check",
          [last, type, taskId, report = callbacks.check](const RunResult& result) {
            if (result.error) log::info("check of task {}: {}", taskId, *result.error);
            auto status = checkStatus(type, &result);
            std::string serialized = status.SerializeAsString();
            if (*last == serialized) return;  // Mesos reports a check only when it changes
            *last = std::move(serialized);
            report(status);
          });
    } else {
      log::error("task {}: check not run: {}", taskId, definition.error().message);
    }
  }
}

TaskChecks::~TaskChecks() = default;

std::optional<mesos::v1::CheckStatusInfo> TaskChecks::initialCheckStatus(
    const mesos::v1::CheckInfo& check) {
  auto definition = checkDefinition(check);
  if (!definition) return std::nullopt;
  return checkStatus(definition->type, nullptr);
}

}  // namespace mesolite::agent
