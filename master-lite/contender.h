// A master's candidacy for leadership in ZooKeeper (--zk): an ephemeral sequential
// json.info_ znode under the path, holding the master's MasterInfo as JSON, as Mesos
// writes it; the member with the lowest sequence leads.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/result.h"
#include "master-lite/registry_store.h"
#include "mesos/v1/mesos.pb.h"

namespace mesolite::master {

class Contender {
 public:
  struct Callbacks {
    // This master now leads (its znode is the lowest of the group).
    std::function<void()> onElected;
    // This master must stop leading at once: its session expired or was lost for longer
    // than the session timeout, its znode vanished. A new candidacy is already on its way.
    std::function<void(const std::string& why)> onLost;
    // The leader as this master sees it (itself included), nullopt when there is none:
    // where non-leaders redirect.
    std::function<void(const std::optional<mesos::v1::MasterInfo>&)> onLeader;
  };

  // `zk`: --zk's URL (zk://[user:password@]hosts/path). Starts contending at once with `info`.
  static Result<std::unique_ptr<Contender>> create(boost::asio::io_context& io,
                                                   const std::string& zk,
                                                   std::chrono::milliseconds sessionTimeout,
                                                   const mesos::v1::MasterInfo& info,
                                                   Callbacks callbacks);
  virtual ~Contender() = default;

  // Withdraws the current candidacy (if any) and contends again with `info` (a master
  // that stepped down takes a new id).
  virtual void contend(const mesos::v1::MasterInfo& info) = 0;

  // The registry kept in ZooKeeper under the --zk path, written through this contender's
  // session (so a master whose session is gone cannot write it).
  virtual std::unique_ptr<RegistryStore> registryStore() = 0;
};

}  // namespace mesolite::master
