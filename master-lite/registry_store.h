// Where a master's registry (internal.proto's Registry) is kept: a file under --work_dir
// (registry_file.cc), znodes under the --zk path (registry_zookeeper.cc), or nowhere
// (--registry=in_memory). The registrar (registrar.h) batches changes into stores.
#pragma once

#include <functional>
#include <string>

#include "common/result.h"
#include "mesolite/internal.pb.h"

namespace mesolite::master {

class RegistryStore {
 public:
  virtual ~RegistryStore() = default;

  // Where it is, for messages: "/var/lib/mesos/registry/registry.pb", "zk://h:2181/mesos/registry".
  virtual std::string describe() const = 0;

  // Reads what is stored: an empty Registry when nothing was ever stored. An unreadable or
  // corrupt record is an error naming where it is. `done` runs on the io_context, once.
  virtual void fetch(std::function<void(Result<internal::Registry>)> done) = 0;

  // Replaces what is stored with `registry`, all or nothing. Fails (and stores nothing) when
  // someone else stored since this store's fetch or last store: a master that lost its
  // leadership must not overwrite the new leader's registry. `done` runs on the io_context,
  // once. Never called again before the previous `done`.
  virtual void store(const internal::Registry& registry,
                     std::function<void(Result<void>)> done) = 0;
};

}  // namespace mesolite::master
