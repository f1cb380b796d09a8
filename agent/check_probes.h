// The network probes of HTTP and TCP checks: a connection to the task's own loopback,
// made from inside its network namespace as Mesos makes it (the agent creates the
// socket there; the connection itself runs on the agent's loop).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/result.h"

namespace boost::asio {
class io_context;
}

namespace mesolite::agent {

struct ProbeTarget {
  pid_t networkOf = 0;  // a process in the task's network namespace; 0: the agent's own
  bool ipv6 = false;    // ::1 instead of 127.0.0.1
  uint16_t port = 0;
  std::chrono::milliseconds timeout{0};  // 0: none
};

// A probe in flight; destroying it cancels it (its callback is then not called).
class Probe {
 public:
  virtual ~Probe() = default;
};

// Connects: success, or why not (refused, timed out, no such namespace).
std::unique_ptr<Probe> probeTcp(boost::asio::io_context& io, const ProbeTarget& target,
                                std::function<void(Result<void>)> done);

// GET `path` over HTTP/1.1: the response's status code, or why there is none.
std::unique_ptr<Probe> probeHttp(boost::asio::io_context& io, const ProbeTarget& target,
                                 const std::string& path,
                                 std::function<void(Result<uint32_t>)> done);

}  // namespace mesolite::agent
