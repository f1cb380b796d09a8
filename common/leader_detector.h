// Finding the leading master, as Mesos's detectors do (src/master/detector/): a fixed
// HOST:PORT is always the leader; with zk://[user:password@]host:port[,host:port...]/path
// the leader is the member of that ZooKeeper group whose json.info_ znode has the lowest
// sequence number, described by the MasterInfo JSON it holds.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/http_client.h"
#include "common/result.h"
#include "mesos/v1/mesos.pb.h"

namespace mesolite::detect {

struct DetectorOptions {
  // --zk_session_timeout: a session silent that long is given up and a new one made.
  std::chrono::milliseconds sessionTimeout{std::chrono::seconds(10)};
};

struct Leader {
  // What the leader's znode says; for a fixed master, only the address is filled.
  mesos::v1::MasterInfo info;
  http::Endpoint endpoint;  // where to send calls (https when the given URL said so)
};

class LeaderDetector {
 public:
  // `master`: HOST:PORT, http(s)://HOST:PORT or zk://... An error names what is wrong
  // with the URL. Watching starts at once.
  static Result<std::unique_ptr<LeaderDetector>> create(boost::asio::io_context& io,
                                                        const std::string& master,
                                                        DetectorOptions options = {});
  virtual ~LeaderDetector() = default;

  // The leader as last seen; nullopt while none is known (no member, no session).
  virtual std::optional<Leader> leader() const = 0;
  // Called on the io_context whenever the leader changes, nullopt when there is none;
  // a fixed master never changes. Replaces the previous callback.
  virtual void onChange(std::function<void(const std::optional<Leader>&)> callback) = 0;
};

// For one-shot tools (mesos-resolve, mesos ps, mesos-execute's first subscription): the
// leader now, waiting up to `timeout` for one. Runs its own io_context.
Result<Leader> detectLeaderOnce(const std::string& master, std::chrono::milliseconds timeout,
                                DetectorOptions options = {});

}  // namespace mesolite::detect
