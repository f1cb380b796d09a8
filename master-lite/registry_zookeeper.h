// The registry kept in ZooKeeper (--zk): the serialized Registry is cut into chunks of
// at most 512 KiB (ZooKeeper refuses a znode, and a request, over 1 MB):
//
//   <path>/registry                 the manifest: JSON naming the chunks in order with
//                                   their sizes and CRC-32s; empty when nothing is stored
//   <path>/registry/chunk_<seq>     one chunk each, persistent sequential
//
// A store writes the new chunks first (unreferenced, so invisible to readers), then in one
// multi sets the manifest at the version this store last saw and deletes the old chunks:
// the switch is atomic, and a store made by a master that someone else has overtaken fails
// with ZBADVERSION instead of overwriting the new leader's registry.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/zookeeper.h"
#include "master-lite/registry_store.h"

namespace mesolite::master {

inline constexpr size_t kRegistryChunkBytes = 512 * 1024;

// Through `session` (a contender's). `candidacy`, when given, names the master's member
// znode (nullopt while it has none): a store checks in the same transaction that it still
// exists, so a master whose session ended cannot write even before anyone else has.
std::unique_ptr<RegistryStore> makeZooKeeperRegistryStore(
    std::shared_ptr<zk::Session> session,
    std::function<std::optional<std::string>()> candidacy = {});

}  // namespace mesolite::master
