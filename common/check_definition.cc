#include "common/check_definition.h"

#include <cmath>

namespace mesolite {

namespace {

// Beyond a year a duration is a mistake, and the milliseconds would overflow sooner.
constexpr double kMaxSeconds = 365.0 * 24 * 3600;

Result<std::chrono::milliseconds> seconds(const std::string& field, double value) {
  if (!std::isfinite(value) || value < 0.0) {
    return Error("Expecting '" + field + "' to be non-negative");
  }
  if (value > kMaxSeconds) return Error("'" + field + "' is over a year");
  return std::chrono::milliseconds(int64_t(std::llround(value * 1000.0)));
}

// The command a COMMAND check runs in the task's container, as the task's user.
Result<void> validateCommand(const std::string& what, const mesos::v1::CommandInfo& command) {
  if (!command.has_value()) {
    return Error(what + " must contain " +
                 std::string(command.shell() ? "'shell command'" : "'executable path'"));
  }
  if (command.uris_size() > 0) {
    return Error(what + ".uris are not fetched for a check: fetch them with the task's own uris");
  }
  if (command.has_user()) {
    return Error(what + ".user is not supported: a check runs as the task's user");
  }
  for (const auto& variable : command.environment().variables()) {
    if (variable.type() == mesos::v1::Environment::Variable::SECRET) {
      return Error(what + ".environment variable '" + variable.name() +
                   "' is a SECRET: secrets are not supported yet");
    }
  }
  return success();
}

Result<void> validatePort(const std::string& what, uint32_t port) {
  if (port == 0 || port > 65535) {
    return Error(what + ".port " + std::to_string(port) + " is not a TCP port (1-65535)");
  }
  return success();
}

Result<void> validatePath(const std::string& what, const std::string& path) {
  if (path.empty() || path[0] != '/') {
    return Error("The path '" + path + "' of " + what + " must start with '/'");
  }
  // It goes into a request line: no spaces or line breaks.
  for (char c : path) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) {
      return Error("The path '" + path + "' of " + what + " holds a space or control character");
    }
  }
  if (path.size() > 4096) return Error("The path of " + what + " is over 4096 bytes");
  return success();
}

Result<void> setTiming(const std::string& prefix, double delay, double interval, double timeout,
                       CheckDefinition* definition) {
  auto parsedDelay = seconds(prefix + "delay_seconds", delay);
  if (!parsedDelay) return parsedDelay.error();
  auto parsedInterval = seconds(prefix + "interval_seconds", interval);
  if (!parsedInterval) return parsedInterval.error();
  auto parsedTimeout = seconds(prefix + "timeout_seconds", timeout);
  if (!parsedTimeout) return parsedTimeout.error();
  definition->delay = *parsedDelay;
  definition->interval = *parsedInterval;
  definition->timeout = *parsedTimeout;
  return success();
}

}  // namespace

Result<CheckDefinition> healthCheckDefinition(const mesos::v1::HealthCheck& check) {
  using mesos::v1::HealthCheck;
  CheckDefinition definition;
  if (!check.has_type()) return Error("HealthCheck must specify 'type'");
  switch (check.type()) {
    case HealthCheck::COMMAND:
      if (!check.has_command()) {
        return Error("Expecting 'command' to be set for COMMAND health check");
      }
      if (auto valid = validateCommand("health_check.command", check.command()); !valid) {
        return valid.error();
      }
      definition.type = CheckDefinition::Type::kCommand;
      definition.command = check.command();
      break;
    case HealthCheck::HTTP: {
      if (!check.has_http()) return Error("Expecting 'http' to be set for HTTP health check");
      const auto& http = check.http();
      if (http.has_scheme() && http.scheme() != "http") {
        if (http.scheme() == "https") {
          return Error(
              "health_check.http.scheme 'https' is not supported yet: use 'http' "
              "or a COMMAND health check");
        }
        return Error("Unsupported HTTP health check scheme: '" + http.scheme() + "'");
      }
      if (http.statuses_size() > 0) {
        return Error(
            "health_check.http.statuses is not supported: a status of 200-399 is "
            "healthy, as in Mesos's own checker");
      }
      if (auto valid = validatePort("health_check.http", http.port()); !valid) return valid.error();
      if (http.has_path()) {
        if (auto valid = validatePath("HTTP health check", http.path()); !valid) {
          return valid.error();
        }
        definition.path = http.path();
      }
      definition.type = CheckDefinition::Type::kHttp;
      definition.port = http.port();
      definition.ipv6 = http.protocol() == mesos::v1::NetworkInfo::IPv6;
      break;
    }
    case HealthCheck::TCP:
      if (!check.has_tcp()) return Error("Expecting 'tcp' to be set for TCP health check");
      if (auto valid = validatePort("health_check.tcp", check.tcp().port()); !valid) {
        return valid.error();
      }
      definition.type = CheckDefinition::Type::kTcp;
      definition.port = check.tcp().port();
      definition.ipv6 = check.tcp().protocol() == mesos::v1::NetworkInfo::IPv6;
      break;
    default:
      return Error("'" + HealthCheck::Type_Name(check.type()) +
                   "' is not a valid health check type");
  }
  if (auto timing = setTiming("", check.delay_seconds(), check.interval_seconds(),
                              check.timeout_seconds(), &definition);
      !timing) {
    return timing.error();
  }
  auto grace = seconds("grace_period_seconds", check.grace_period_seconds());
  if (!grace) return grace.error();
  definition.gracePeriod = *grace;
  definition.consecutiveFailures = check.consecutive_failures();
  return definition;
}

Result<CheckDefinition> checkDefinition(const mesos::v1::CheckInfo& check) {
  using mesos::v1::CheckInfo;
  CheckDefinition definition;
  if (!check.has_type()) return Error("CheckInfo must specify 'type'");
  switch (check.type()) {
    case CheckInfo::COMMAND:
      if (!check.has_command()) return Error("Expecting 'command' to be set for COMMAND check");
      if (auto valid = validateCommand("check.command.command", check.command().command());
          !valid) {
        return valid.error();
      }
      definition.type = CheckDefinition::Type::kCommand;
      definition.command = check.command().command();
      break;
    case CheckInfo::HTTP:
      if (!check.has_http()) return Error("Expecting 'http' to be set for HTTP check");
      if (auto valid = validatePort("check.http", check.http().port()); !valid) {
        return valid.error();
      }
      if (check.http().has_path()) {
        if (auto valid = validatePath("HTTP check", check.http().path()); !valid) {
          return valid.error();
        }
        definition.path = check.http().path();
      }
      definition.type = CheckDefinition::Type::kHttp;
      definition.port = check.http().port();
      break;
    case CheckInfo::TCP:
      if (!check.has_tcp()) return Error("Expecting 'tcp' to be set for TCP check");
      if (auto valid = validatePort("check.tcp", check.tcp().port()); !valid) {
        return valid.error();
      }
      definition.type = CheckDefinition::Type::kTcp;
      definition.port = check.tcp().port();
      break;
    default:
      return Error("'" + CheckInfo::Type_Name(check.type()) + "' is not a valid check type");
  }
  if (auto timing = setTiming("", check.delay_seconds(), check.interval_seconds(),
                              check.timeout_seconds(), &definition);
      !timing) {
    return timing.error();
  }
  return definition;
}

}  // namespace mesolite
