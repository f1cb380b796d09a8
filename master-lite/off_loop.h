// Work too long for the master's one event loop (the JSON or protobuf of a large state),
// done on worker threads and answered back on the loop. Concurrent requests for the same
// answer are batched as Mesos 1.8+ batches its state requests: while one computation
// runs, the requests that arrive wait for the next one, which then answers all of them
// (so every answer is at least as new as its request, and ten clients cost two
// computations, not ten).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/http.h"

namespace mesolite::master {

class OffLoop {
 public:
  // Runs on a worker thread; what it captures must not be touched by the loop meanwhile.
  using Work = std::function<http::Response()>;
  // What a batch's answers are computed from: taken on the loop, read (and freed) on a
  // worker.
  using Snapshot = std::shared_ptr<const void>;
  using Prepare = std::function<Snapshot()>;
  using Render = std::function<http::Response(const Snapshot&)>;

  OffLoop(boost::asio::io_context& io, unsigned threads);
  // Waits for the work running; answers nothing more.
  ~OffLoop();
  OffLoop(const OffLoop&) = delete;
  OffLoop& operator=(const OffLoop&) = delete;

  // Answers `responder` with what `work` returns.
  void respond(Work work, http::Responder responder);
  // Answers `responder` with `render` of a snapshot shared by every request of `group`
  // waiting for the same computation; requests of the same `key` (endpoint and query)
  // share one rendering. `prepare` takes the snapshot on the loop, once per computation.
  void respondBatched(const std::string& group, const std::string& key, http::Responder responder,
                      Prepare prepare, Render render);

  // Computations started, for tests and metrics.
  uint64_t computations() const { return computations_; }

 private:
  struct Waiter {
    std::string key;
    http::Responder responder;
    Render render;
  };
  struct Batch {
    bool running = false;
    std::vector<Waiter> waiting;  // for the next computation
    Prepare prepare;              // the newest request's
  };
  void run(Work work, std::function<void(http::Response)> done);
  void startBatch(const std::string& group);

  boost::asio::io_context& io_;
  boost::asio::thread_pool pool_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  std::map<std::string, Batch> batches_;
  uint64_t computations_ = 0;
};

}  // namespace mesolite::master
