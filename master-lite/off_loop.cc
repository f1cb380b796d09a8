#include "master-lite/off_loop.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <exception>

namespace mesolite::master {

namespace asio = boost::asio;

namespace {

// A worker yields the cpu to the event loop: on a small box the loop's short answers
// (/health, scheduler calls) must not wait behind a long rendering.
void lowerThreadPriority() {
  thread_local bool lowered = false;
  if (lowered) return;
  lowered = true;
  (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), 10);  // best effort
}

}  // namespace

OffLoop::OffLoop(asio::io_context& io, unsigned threads) : io_(io), pool_(threads) {}

OffLoop::~OffLoop() {
  alive_.reset();  // answers still on their way to the loop are dropped there
  pool_.join();
}

void OffLoop::run(Work work, std::function<void(http::Response)> done) {
  ++computations_;
  std::weak_ptr<bool> alive = alive_;
  // `done` holds responders: it stays on the loop, the worker gets only `work`.
  auto finish = std::make_shared<std::function<void(http::Response)>>(std::move(done));
  asio::post(pool_, [this, alive, work = std::move(work), finish]() mutable {
    lowerThreadPriority();
    http::Response response;
    try {
      response = work();
    } catch (const std::exception& e) {
      response = http::Response::text(500, std::string("failed to build the answer: ") + e.what());
    }
    work = nullptr;  // the snapshot is freed here, off the loop
    asio::post(io_, [alive, finish, response = std::move(response)]() mutable {
      if (alive.expired()) return;
      (*finish)(std::move(response));
    });
  });
}

void OffLoop::respond(Work work, http::Responder responder) {
  run(std::move(work),
      [responder](http::Response response) { responder.respond(std::move(response)); });
}

void OffLoop::respondBatched(const std::string& group, const std::string& key,
                             http::Responder responder, Prepare prepare, Render render) {
  Batch& batch = batches_[group];
  batch.waiting.push_back({key, std::move(responder), std::move(render)});
  batch.prepare = std::move(prepare);
  if (!batch.running) startBatch(group);
}

void OffLoop::startBatch(const std::string& group) {
  Batch& batch = batches_.at(group);
  std::vector<Waiter> waiters = std::move(batch.waiting);
  batch.waiting.clear();
  batch.running = true;
  // One rendering per distinct key, all from one snapshot taken now, on the loop.
  std::vector<std::string> keys;
  std::vector<Render> renders;
  for (const auto& waiter : waiters) {
    if (std::find(keys.begin(), keys.end(), waiter.key) != keys.end()) continue;
    keys.push_back(waiter.key);
    renders.push_back(waiter.render);
  }
  Snapshot snapshot = batch.prepare();
  batch.prepare = nullptr;
  auto answers = std::make_shared<std::vector<http::Response>>(keys.size());
  Work work = [snapshot = std::move(snapshot), renders = std::move(renders), answers]() mutable {
    for (size_t i = 0; i < renders.size(); ++i)
      (*answers)[i] = renders[i](snapshot);
    snapshot.reset();  // freed here, off the loop
    return http::Response();
  };
  run(std::move(work), [this, group, keys = std::move(keys), waiters = std::move(waiters),
                        answers](http::Response) {
    for (const auto& waiter : waiters) {
      const size_t index = size_t(std::find(keys.begin(), keys.end(), waiter.key) - keys.begin());
      waiter.responder.respond((*answers)[index]);
    }
    Batch& finished = batches_.at(group);
    finished.running = false;
    if (!finished.waiting.empty()) {
      startBatch(group);
    } else {
      batches_.erase(group);
    }
  });
}

}  // namespace mesolite::master
