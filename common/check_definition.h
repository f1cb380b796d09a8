// TaskInfo.health_check and TaskInfo.check, validated as Mesos validates them and
// turned into one definition the agent's checkers run: what to probe (a command in the
// task's container, an HTTP GET or a TCP connect in its network namespace) and when.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/result.h"
#include "mesos/v1/mesos.pb.h"

namespace mesolite {

struct CheckDefinition {
  enum class Type { kCommand, kHttp, kTcp };
  Type type = Type::kCommand;
  mesos::v1::CommandInfo command;  // kCommand
  uint32_t port = 0;               // kHttp, kTcp: on the task's loopback
  std::string path = "/";          // kHttp
  bool ipv6 = false;               // kHttp, kTcp: ::1 instead of 127.0.0.1

  std::chrono::milliseconds delay{0};
  std::chrono::milliseconds interval{0};
  std::chrono::milliseconds timeout{0};  // 0: none
  // Health checks only.
  uint32_t consecutiveFailures = 0;
  std::chrono::milliseconds gracePeriod{0};
};

// Mesos's defaults for what the message leaves out (delay 15 s, interval 10 s, timeout
// 20 s, 3 consecutive failures, grace period 10 s); errors name the field as
// "health_check.<field>" or "check.<field>".
Result<CheckDefinition> healthCheckDefinition(const mesos::v1::HealthCheck& check);
Result<CheckDefinition> checkDefinition(const mesos::v1::CheckInfo& check);

}  // namespace mesolite
