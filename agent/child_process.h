// A helper program run by the agent and watched on its event loop without blocking:
// spawned with `input` readable on its fd 3 and a pipe on its fd 4 whose contents the
// agent gets once it has exited (by its pidfd). Nothing else of the agent's reaches it.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/result.h"

namespace boost::asio {
class io_context;
}

namespace mesolite::agent {

struct ChildSpec {
  std::string path;               // the program
  std::vector<std::string> argv;  // argv[0] included
  std::string input;              // on fd 3 (at most 1 MiB: it is written without waiting)
};

class ChildProcess {
 public:
  // `status` is the wait status; `output` what the child wrote on fd 4 (up to 64 KiB).
  using Exited = std::function<void(int status, const std::string& output)>;

  // `exited` runs on the loop once the child has exited, unless this object went first.
  static Result<std::unique_ptr<ChildProcess>> spawn(boost::asio::io_context& io,
                                                     const ChildSpec& spec, Exited exited);
  // SIGKILLs the child if it still runs; it is reaped on the loop all the same.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const;
  void kill(int signal);

  struct State;
  explicit ChildProcess(std::shared_ptr<State> state) : state_(std::move(state)) {}

 private:
  std::shared_ptr<State> state_;
};

}  // namespace mesolite::agent
