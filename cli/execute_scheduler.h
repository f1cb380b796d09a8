// mesos-execute's scheduler: a v1 Scheduler API client on the process's one io_context.
// It subscribes to the leading master (cli/scheduler_connection.h: it follows a 307,
// and finds the leader again and re-subscribes with its framework id when the master
// goes away), launches the task on the first offer that holds its resources (once,
// whatever failovers follow), declines the rest, prints and acknowledges every status
// update, kills the task after --kill_after, and tears the framework down when the
// task ends or when interrupted.
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>

#include "cli/execute.h"
#include "common/leader_detector.h"

namespace boost::asio {
class io_context;
}

namespace mesolite::cli {

class ExecuteScheduler {
 public:
  // `done` is called once with the exit code when everything is over (the stream is
  // closed and no call is pending); the object must outlive the io_context's run().
  // `detector` finds the leading master (made from config.master).
  ExecuteScheduler(boost::asio::io_context& io, std::unique_ptr<detect::LeaderDetector> detector,
                   ExecuteConfig config, std::ostream& out, std::ostream& err,
                   std::function<void(int exitCode)> done = {});
  ~ExecuteScheduler();
  ExecuteScheduler(const ExecuteScheduler&) = delete;
  ExecuteScheduler& operator=(const ExecuteScheduler&) = delete;

  void start();
  // Ctrl-C / SIGTERM: tear the framework down (if subscribed), then finish with
  // `exitCode`. A second interruption finishes at once.
  void interrupt(int exitCode);

  std::optional<int> exitCode() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace mesolite::cli
